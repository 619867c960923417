// Report pages: follow a running report job (GET /api/reports/<id>) and reload once it is done.
import { api } from "./api.js";
import { t } from "./i18n.js";

function main() {
  var box = document.querySelector(".report-progress[data-status-url]");
  if (!box) { return; }
  var bar = box.querySelector("[data-role=bar]");
  var percent = box.querySelector("[data-role=percent]");
  var label = box.querySelector("[data-role=label]");
  var error = box.querySelector("[data-role=error]");
  function poll() {
    api(box.getAttribute("data-status-url"))
      .catch(function () { return null; })
      .then(function (data) {
        if (!data) { return setTimeout(poll, 5000); }
        bar.value = data.progress; bar.textContent = data.progress + " %"; percent.textContent = data.progress + " %";
        label.textContent = data.status === "started" ? t("en cours de calcul") : t("en file d'attente");
        if (data.error) { error.textContent = data.error; error.hidden = false; }
        if (data.status === "finished" || data.status === "failed") { return window.location.reload(); }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
}

main();
