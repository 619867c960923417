// Report pages: follow a running report job (GET /api/reports/<id>) and reload once it is done.
(function () {
  "use strict";
  var box = document.querySelector(".report-progress[data-status-url]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("[data-role=bar]");
  var percent = box.querySelector("[data-role=percent]");
  var label = box.querySelector("[data-role=label]");
  var error = box.querySelector("[data-role=error]");
  function poll() {
    fetch(box.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return setTimeout(poll, 5000); }
        bar.value = data.progress; bar.textContent = data.progress + " %"; percent.textContent = data.progress + " %";
        label.textContent = data.status === "started" ? "en cours de calcul" : "en file d'attente";
        if (data.error) { error.textContent = data.error; error.hidden = false; }
        if (data.status === "finished" || data.status === "failed") { return window.location.reload(); }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();
