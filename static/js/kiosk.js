/* Kiosk: a locked, account-free participation flow that starts over when nobody touches it. */
import { request } from "./api.js";
import { t } from "./i18n.js";
import * as offline from "./offline.js";

function main() {
  var app = document.getElementById("kiosk");
  var map = window.carteCommune && window.carteCommune.map;
  if (!app) { return; }
  var L = window.L;
  var idleSeconds = parseInt(app.dataset.idle, 10) || 90;
  var warnSeconds = Math.min(10, Math.floor(idleSeconds / 3));
  var draft = JSON.parse(document.getElementById("k-draft").textContent) || {};
  var marker = null, lastTouch = Date.now();
  var $ = function (id) { return document.getElementById(id); };

  function post(url, body, isJson) {
    return request(url, isJson ? { method: "POST", json: body } : { method: "POST", body: body });
  }
  function saveDraft() {
    draft.title = $("k-title").value;
    draft.body = $("k-body").value;
    post(app.dataset.draftUrl, draft, true).catch(function () { /* offline: the page keeps it */ });
  }
  function show(step) {
    app.querySelectorAll(".kiosk-step").forEach(function (s) { s.hidden = s.dataset.step !== step; });
    draft.step = step;
    if (step === "place" && map) {
      /* The map was laid out while hidden: resize it (reading the now visible size), frame the perimeter. */
      map.invalidateSize({ pan: false });
      if (!marker) { map.fitBounds(JSON.parse(app.dataset.bounds), { animate: false }); }
    }
    if (step === "text") { $("k-title").focus(); }
    if (step === "send") {
      var chosen = app.querySelector('.kiosk-theme[data-theme="' + draft.theme + '"]');
      $("k-sum-theme").textContent = chosen ? chosen.textContent.trim() : "";
      $("k-sum-title").textContent = $("k-title").value;
    }
    if (step !== "start" && step !== "thanks") { saveDraft(); }
    var heading = app.querySelector('.kiosk-step[data-step="' + step + '"] h1');
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
  }
  function setError(name, message) {
    var p = app.querySelector('[data-error="' + name + '"]');
    if (p) { p.textContent = message || ""; }
  }
  function clearErrors() { app.querySelectorAll("[data-error]").forEach(function (p) { p.textContent = ""; }); }

  function placeMarker(latlng) {
    if (!map) { return; }
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.circleMarker(latlng, { radius: 14, color: "#fff", weight: 4, fillColor: "#c8553d", fillOpacity: 1 }).addTo(map);
    }
    draft.point = [latlng.lng, latlng.lat];
    $("k-place-next").disabled = false;
  }
  if (map) { map.on("click", function (e) { placeMarker(e.latlng); setError("geometry", ""); }); }

  app.querySelectorAll("[data-go]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (button.hasAttribute("data-reset")) { startOver(false); return; }
      if (button.dataset.go === "photo" && $("k-title").value.trim().length < 3) {
        setError("title", t("Écrivez un titre d'au moins 3 lettres."));
        $("k-title").focus();
        return;
      }
      setError("title", "");
      show(button.dataset.go);
    });
  });
  app.querySelectorAll(".kiosk-theme").forEach(function (button) {
    button.addEventListener("click", function () {
      draft.theme = button.dataset.theme;
      app.querySelectorAll(".kiosk-theme").forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
      show("text");
    });
  });
  $("k-file").addEventListener("change", function () {
    var file = $("k-file").files[0];
    $("k-file-name").textContent = file ? t("Photo choisie : %(name)s", { name: file.name }) : "";
  });

  /* Offline: the idea (text and place; a photo cannot be kept) waits on the tablet and leaves with an
     Idempotency-Key when the network returns. */
  var outbox = new offline.Outbox({
    url: app.dataset.submitUrl, form: true,
    onChange: function (pending, online) {
      $("k-offline").hidden = online && !pending;
      var ideas = pending > 1 ? t("%(n)s idées en attente", { n: pending }) : t("%(n)s idée en attente", { n: pending });
      $("k-offline").textContent = online ? t("en ligne — envoi de %(ideas)s", { ideas: ideas }) : t("hors ligne — %(ideas)s", { ideas: ideas });
    }
  });
  function keepOffline(withPhoto) {
    var body = { theme: draft.theme || "", title: $("k-title").value, body: $("k-body").value };
    if (draft.point) { body.lon = String(draft.point[0]); body.lat = String(draft.point[1]); }
    return outbox.add(body).then(function () {
      $("k-thanks-text").textContent = withPhoto
        ? t("Merci ! Pas de réseau pour l'instant : votre idée est gardée sur la tablette et partira dès son retour (sans la photo).")
        : t("Merci ! Pas de réseau pour l'instant : votre idée est gardée sur la tablette et partira dès son retour.");
      show("thanks");
      outbox.refresh();
    });
  }
  if (outbox) {
    outbox.refresh().then(function () { if (navigator.onLine) { outbox.sync(); } });
    if (navigator.onLine) {
      offline.prepare(app.dataset.offline, function (state) { app.dataset.offlineState = state.state; });
    }
  }

  $("k-submit").addEventListener("click", function () {
    if (outbox && !navigator.onLine) { keepOffline(Boolean($("k-file").files[0])); return; }
    var data = new FormData();
    data.append("theme", draft.theme || "");
    data.append("title", $("k-title").value);
    data.append("body", $("k-body").value);
    if (draft.point) { data.append("lon", draft.point[0]); data.append("lat", draft.point[1]); }
    if ($("k-file").files[0]) { data.append("photo", $("k-file").files[0]); }
    clearErrors();
    $("k-submit").disabled = true;
    post(app.dataset.submitUrl, data, false).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, status: response.status, json: json }; });
    }).then(function (r) {
      if (r.ok) { $("k-thanks-text").textContent = r.json.message; show("thanks"); return; }
      var error = r.json.error || {};
      var fields = error.fields || {};
      Object.keys(fields).forEach(function (name) { setError(name, fields[name].join(" ")); });
      setError("form", error.message || t("L'envoi a échoué."));
      var back = fields.geometry ? "place" : fields.theme ? "theme" : (fields.title || fields.body) ? "text" : fields.photos ? "photo" : null;
      if (back) { show(back); }
    }).catch(function () {
      if (outbox) { return keepOffline(Boolean($("k-file").files[0])); }
      setError("form", t("L'envoi a échoué : vérifiez la connexion et réessayez."));
    })
      .then(function () { $("k-submit").disabled = false; });
  });

  function startOver(tellServer) {
    draft = {};
    $("k-title").value = ""; $("k-body").value = ""; $("k-file").value = ""; $("k-file-name").textContent = "";
    if (marker && map) { map.removeLayer(marker); marker = null; }
    $("k-place-next").disabled = true;
    app.querySelectorAll(".kiosk-theme").forEach(function (b) { b.removeAttribute("aria-pressed"); });
    clearErrors();
    if (tellServer) { post(app.dataset.resetUrl, {}, true).catch(function () { /* forgotten anyway */ }); }
    show("start");
  }

  /* Idle reset: after idleSeconds without a touch, the flow starts over and the server forgets the draft. */
  function touched() {
    lastTouch = Date.now();
    if (!$("k-idle").hidden) { $("k-idle").hidden = true; }
  }
  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true, capture: true });
  });
  $("k-idle-stay").addEventListener("click", function () { touched(); saveDraft(); });
  setInterval(function () {
    var idle = (Date.now() - lastTouch) / 1000;
    var busy = draft.step && draft.step !== "start";
    if (!busy) { $("k-idle").hidden = true; return; }
    if (idle >= idleSeconds) { $("k-idle").hidden = true; startOver(true); lastTouch = Date.now(); return; }
    if (idle >= idleSeconds - warnSeconds) {
      $("k-idle").hidden = false;
      $("k-idle-count").textContent = String(Math.ceil(idleSeconds - idle));
    }
  }, 500);
  window.carteCommune = window.carteCommune || {};
  window.carteCommune.kioskStartOver = startOver;
  /* Locked: no link leaves the kiosk (map attributions included). */
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (link && link.origin !== window.location.origin) { event.preventDefault(); }
  }, true);

  $("k-close-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData($("k-close-form"));
    post(app.dataset.closeUrl, data, false).then(function (response) {
      if (response.ok || response.redirected) { window.location.href = response.url; return; }
      return response.json().then(function (json) {
        $("k-close-error").textContent = (json.error && json.error.message) || t("Code incorrect.");
      });
    });
  });

  /* A reload in the middle keeps the draft the server still remembers. */
  if (draft.title) { $("k-title").value = draft.title; }
  if (draft.body) { $("k-body").value = draft.body; }
  if (draft.point && map) { placeMarker(L.latLng(draft.point[1], draft.point[0])); }
  show(draft.step && draft.step !== "thanks" ? draft.step : "start");
}

main();
