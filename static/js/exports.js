// Export page: submit through the JSON API, then poll the job and show its progress bar.
import { api, request } from "./api.js";
import { t } from "./i18n.js";

function main() {
  var form = document.getElementById("export-form");
  if (!form) return;
  var box = document.getElementById("export-progress");
  var bar = document.getElementById("export-bar");
  var statusText = document.getElementById("export-status");
  var link = document.getElementById("export-download");
  var errors = document.getElementById("export-errors");
  var LABELS = { queued: t("En file d'attente…"), started: t("Export en cours"), finished: t("Export prêt."), failed: t("L'export a échoué.") };

  function values(name) {
    return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'), function (input) {
      return input.value;
    });
  }

  function payload() {
    var data = {
      format: values("format")[0], crs: values("crs")[0], separator: values("separator")[0],
      consultations: values("consultations"), qpv: values("qpv"), themes: values("themes"), statuses: values("statuses")
    };
    ["date_from", "date_to"].forEach(function (name) {
      var value = form.elements[name].value;
      if (value) data[name] = value;
    });
    return data;
  }

  function showErrors(body) {
    var error = (body && body.error) || {};
    var lines = [error.message || t("L'export n'a pas pu être lancé.")];
    Object.keys(error.fields || {}).forEach(function (field) {
      [].concat(error.fields[field]).forEach(function (message) {
        lines.push(typeof message === "string" ? message : JSON.stringify(message));
      });
    });
    errors.textContent = "";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      errors.appendChild(p);
    });
    errors.focus();
  }

  function refreshList() {
    request(form.dataset.list, { headers: { Accept: "text/html" } }).then(function (response) {
      return response.ok ? response.text() : null;
    }).catch(function () { return null; }).then(function (html) {
      if (html === null) return;
      // Parsed as an inert document (no script runs), then its nodes moved in.
      var parsed = new DOMParser().parseFromString(html, "text/html");
      document.getElementById("export-list").replaceChildren.apply(
        document.getElementById("export-list"), Array.prototype.slice.call(parsed.body.childNodes));
    });
  }

  function show(state) {
    bar.value = state.progress || 0;
    bar.textContent = (state.progress || 0) + " %";
    statusText.textContent = (LABELS[state.status] || state.status) +
      (state.status === "started" ? " : " + (state.progress || 0) + " %" : "");
    if (state.status === "failed" && state.error) statusText.textContent += " " + state.error;
    if (state.download_url) {
      link.href = state.download_url;
      link.hidden = false;
      link.focus();
    }
  }

  function poll(url) {
    api(url).then(function (state) {
      show(state);
      if (state.status === "queued" || state.status === "started") {
        window.setTimeout(function () { poll(url); }, 1000);
      } else {
        refreshList();
      }
    }).catch(function () {
      window.setTimeout(function () { poll(url); }, 3000);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errors.textContent = "";
    request(form.dataset.api, { method: "POST", json: payload() }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) return showErrors(result.body);
      box.hidden = false;
      link.hidden = true;
      show(result.body);
      refreshList();
      poll(result.body.status_url);
    }).catch(function () {
      showErrors(null);
    });
  });
}

main();
