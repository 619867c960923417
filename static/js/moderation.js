/* Moderation inbox: keyboard triage (j/k, a, v, r, h, u, m, x, o, n/p, ?), decisions through the JSON API. */
import { request } from "./api.js";
import { t } from "./i18n.js";

function main() {
  var list = document.getElementById("mod-list");
  var pane = document.getElementById("mod-pane");
  var help = document.getElementById("mod-help");
  var STATUS = { approve: "published", unhide: "published", reject: "rejected", hide: "hidden", merge: "merged", review: "published" };
  var LABELS = { published: t("Publiée"), rejected: t("Refusée"), hidden: t("Masquée"), merged: t("Fusionnée") };
  var items = list ? Array.prototype.slice.call(list.querySelectorAll(".mod-item")) : [];
  var current = -1;
  var processed = 0;
  var busy = false;

  function openHelp() { if (help && !help.open) { help.showModal(); } }
  document.querySelectorAll("[data-help-open]").forEach(function (b) { b.addEventListener("click", openHelp); });

  bindBulkSelection();
  if (!list) { document.addEventListener("keydown", function (e) { if (e.key === "?") { openHelp(); } }); return; }

  function select(index) {
    if (index < 0 || index >= items.length) { return; }
    if (current >= 0) { items[current].classList.remove("current"); items[current].removeAttribute("aria-current"); }
    current = index;
    var item = items[current];
    item.classList.add("current");
    item.setAttribute("aria-current", "true");
    item.scrollIntoView({ block: "nearest" });
    pane.replaceChildren(item.querySelector("template").content.cloneNode(true));
    pane.querySelectorAll("[data-action]").forEach(function (button) {
      button.addEventListener("click", function () { start(button.dataset.action); });
    });
  }

  function nextUndone(afterAction) {
    for (var i = current + 1; i < items.length; i++) { if (!items[i].classList.contains("done")) { return select(i); } }
    var url = processed ? list.dataset.reloadUrl : list.dataset.nextUrl;
    if (afterAction && url && !items.some(function (it) { return !it.classList.contains("done"); })) {
      pane.replaceChildren(message(t("Page terminée : chargement de la suite…")));
      return go(url);
    }
    pane.replaceChildren(message(url ? t("Fin de la page : n pour continuer.") : t("Fin de la liste : tout est traité.")));
    if (current >= 0) { items[current].classList.remove("current"); }
    current = items.length;
  }

  function message(text) { var p = document.createElement("p"); p.className = "notice"; p.textContent = text; return p; }
  function showError(text) {
    // The open panel's own line first (it is docked on screen), else the pane's.
    var box = pane.querySelector("[data-panel]");
    var el = (box && box.dataset.open && box.querySelector("[data-error]")) || pane.querySelector("[data-error]");
    if (el) { el.textContent = text; }
  }
  function panel() { return pane.querySelector("[data-panel]"); }
  function item() { return items[current]; }

  function start(action) {
    if (!item() || item().classList.contains("done")) { return; }
    var button = pane.querySelector('[data-action="' + action + '"]');
    if (!button) { return; }
    if (action === "reject" || action === "hide") { return openReason(action); }
    if (action === "merge") { return openMerge(); }
    if (action === "review") { return send(list.dataset.reviewUrl, {}, action); }
    send(list.dataset.decisionUrl, { action: action }, action);
  }

  function openReason(action) {
    var box = panel();
    box.replaceChildren(document.getElementById("mod-reason-tpl").content.cloneNode(true));
    box.querySelector("[data-reason-title]").textContent = action === "reject" ? t("Motif du refus") : t("Motif du masquage");
    box.dataset.open = action;
    box.querySelectorAll("[data-reason-id]").forEach(function (b) {
      b.addEventListener("click", function () { submitReason(b.dataset.reasonId); });
    });
    box.querySelector("[data-reason-submit]").addEventListener("click", function () { submitReason(null); });
    box.querySelector("[data-reason-cancel]").addEventListener("click", closePanel);
    box.querySelector("[data-reason-text]").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); submitReason(null); }
    });
  }

  function submitReason(reasonId) {
    var box = panel();
    var text = box.querySelector("[data-reason-text]").value.trim();
    if (!reasonId && !text) { return showError(t("Choisissez un motif ou écrivez-en un.")); }
    var body = { action: box.dataset.open, reason: text || null };
    if (reasonId) { body.reason_id = parseInt(reasonId, 10); }
    send(list.dataset.decisionUrl, body, box.dataset.open);
  }

  function openMerge() {
    var box = panel();
    box.replaceChildren(document.getElementById("mod-merge-tpl").content.cloneNode(true));
    box.dataset.open = "merge";
    var input = box.querySelector("[data-merge-into]");
    var first = pane.querySelector("[data-dup-id]");
    if (first) { input.value = first.dataset.dupId; }
    box.querySelector("[data-merge-submit]").addEventListener("click", function () { submitMerge(input.value); });
    box.querySelector("[data-merge-cancel]").addEventListener("click", closePanel);
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); submitMerge(input.value); } });
  }

  function submitMerge(value) {
    var into = parseInt(value, 10);
    if (!into) { return showError(t("Indiquez le numéro de la contribution à garder.")); }
    send(list.dataset.mergeUrl, { into: into }, "merge");
  }

  function closePanel() { var box = panel(); if (box) { box.replaceChildren(); delete box.dataset.open; } }

  function send(template, body, action) {
    if (busy) { return; }
    busy = true;
    var target = item();
    showError("");
    request(template.replace("/0/", "/" + target.dataset.id + "/"), { method: "POST", json: body }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      busy = false;
      if (!result.ok) { return showError(errorText(result.data)); }
      markDone(target, action);
      offerUndo(result.data && result.data.undo_action_ids, target);
      nextUndone(true);
    }).catch(function () { busy = false; showError(t("Le serveur ne répond pas : réessayez.")); });
  }

  // A dismissible notice above the list: « Annuler » sends the decision's audit entries to the undo API,
  // then reloads the page (the idea is back where it was, counters included).
  function offerUndo(ids, target) {
    var old = document.querySelector("[data-undo-live]");
    if (old) { old.remove(); }
    if (!ids || !ids.length || !list.dataset.undoUrl) { return; }
    var box = document.createElement("div");
    box.className = "mod-undo";
    box.setAttribute("role", "status");
    box.dataset.undoLive = "1";
    var text = document.createElement("span");
    text.textContent = t("Décision enregistrée sur « %(title)s ».", { title: (target.querySelector(".mod-item-title") || {}).textContent });
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "button secondary";
    undo.textContent = t("Annuler");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link";
    close.setAttribute("aria-label", t("Fermer ce message"));
    close.textContent = "×";
    close.addEventListener("click", function () { box.remove(); });
    undo.addEventListener("click", function () {
      request(list.dataset.undoUrl, { method: "POST", json: { action_ids: ids } }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        if (!result.ok) { text.textContent = errorText(result.data); undo.remove(); return; }
        window.location.reload();
      }).catch(function () { text.textContent = t("Le serveur ne répond pas : réessayez."); });
    });
    box.append(text, undo, close);
    list.closest(".mod-split").before(box);
  }

  function errorText(data) {
    var error = (data && data.error) || {};
    var fields = Object.keys(error.fields || {}).map(function (k) { return [].concat(error.fields[k]).join(" "); });
    return [error.message || t("Erreur.")].concat(fields).join(" ");
  }

  function markDone(target, action) {
    var before = target.dataset.status;
    var after = STATUS[action];
    target.classList.add("done");
    target.dataset.status = after;
    var pill = target.querySelector("[data-status-pill]");
    pill.textContent = LABELS[after] + " ✓";
    pill.className = "pill pill-done";
    pill.hidden = false;
    var box = target.querySelector("input[type=checkbox]");
    if (box) { box.checked = false; box.disabled = true; }
    if (before !== after) { bump(before, -1); bump(after, 1); }
    if (target.dataset.flags !== "0") { bump("flagged", -1); target.dataset.flags = "0"; }
    // Any decision (or « Vu, rien à signaler ») takes the idea out of the « À relire » queue.
    if (target.dataset.toReview === "1") { bump("review", -1); target.dataset.toReview = "0"; }
    // Items that left this tab shift the pages: the same page is then reloaded instead of the next one.
    var tab = list.dataset.tab;
    if (tab === "flagged" || tab === "review" || after !== tab) { processed += 1; }
  }

  function bump(tab, delta) {
    var el = document.querySelector('[data-count="' + tab + '"]');
    if (!el) { return; }
    var value = parseInt(el.textContent.replace(/\D/g, ""), 10) || 0;
    el.textContent = String(Math.max(0, value + delta)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  }

  function toggleCheck() {
    var box = item() && item().querySelector("input[type=checkbox]");
    if (box && !box.disabled) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
  }

  function go(url) { if (url) { window.location.href = url; } }

  function onPanelKey(event, box) {
    if (event.key === "Tab") {
      event.preventDefault();
      return box.querySelector("textarea, input").focus();
    }
    if (/^[1-9]$/.test(event.key)) {
      event.preventDefault();
      var n = parseInt(event.key, 10) - 1;
      if (box.dataset.open === "merge") {
        var dup = pane.querySelectorAll("[data-dup-id]")[n];
        if (dup) { submitMerge(dup.dataset.dupId); }
      } else {
        var choice = box.querySelectorAll("[data-reason-id]")[n];
        if (choice) { submitReason(choice.dataset.reasonId); }
      }
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (box.dataset.open === "merge") { submitMerge(box.querySelector("[data-merge-into]").value); } else { submitReason(null); }
    }
  }

  var KEYS = {
    j: function () { current >= items.length - 1 ? nextUndone() : select(current + 1); },
    ArrowDown: function () { KEYS.j(); },
    k: function () { select(Math.max(0, Math.min(current, items.length) - 1)); },
    ArrowUp: function () { KEYS.k(); },
    a: function () { start("approve"); },
    r: function () { start("reject"); },
    h: function () { start("hide"); },
    u: function () { start("unhide"); },
    v: function () { start("review"); },
    m: function () { start("merge"); },
    x: toggleCheck,
    o: function () { if (item()) { go(item().dataset.url); } },
    Enter: function () { KEYS.o(); },
    n: function () { go(processed ? list.dataset.reloadUrl : list.dataset.nextUrl); },
    p: function () { go(list.dataset.prevUrl); },
    "?": openHelp
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || (help && help.open)) { return; }
    var box = panel();
    var inField = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (box && box.dataset.open) {
      if (event.key === "Escape") { event.preventDefault(); return closePanel(); }
      if (!inField) { onPanelKey(event, box); }
      return;
    }
    if (inField || (event.target.tagName === "BUTTON" && (event.key === "Enter" || event.key === " "))) { return; }
    var handler = KEYS[event.key];
    if (handler) { event.preventDefault(); handler(); }
  });

  list.addEventListener("click", function (event) {
    if (event.target.closest("a, input")) { return; }
    var li = event.target.closest(".mod-item");
    if (li) { select(items.indexOf(li)); }
  });

  if (items.length) { select(0); }

  function bindBulkSelection() {
    var all = document.querySelector("[data-select-all]");
    var counter = document.querySelector("[data-selected-count]");
    var form = document.getElementById("mod-bulk");
    if (!form || !counter) { return; }
    function refresh() {
      var n = form.querySelectorAll("input[name=ids]:checked").length;
      counter.textContent = n + (n > 1 ? " sélectionnées" : " sélectionnée");
    }
    form.addEventListener("change", refresh);
    if (all) {
      all.addEventListener("change", function () {
        form.querySelectorAll("input[name=ids]:not(:disabled)").forEach(function (b) { b.checked = all.checked; });
        refresh();
      });
    }
  }
}

main();
