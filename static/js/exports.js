// Export page: submit through the JSON API, then poll the job and show its progress bar.
(function () {
  "use strict";
  var form = document.getElementById("export-form");
  if (!form || !window.fetch) return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var box = document.getElementById("export-progress");
  var bar = document.getElementById("export-bar");
  var statusText = document.getElementById("export-status");
  var link = document.getElementById("export-download");
  var errors = document.getElementById("export-errors");
  var LABELS = { queued: "En file d'attente…", started: "Export en cours", finished: "Export prêt.", failed: "L'export a échoué." };

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
    var lines = [error.message || "L'export n'a pas pu être lancé."];
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
    fetch(form.dataset.list, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
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
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      return response.json();
    }).then(function (state) {
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
    fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(payload())
    }).then(function (response) {
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
})();
