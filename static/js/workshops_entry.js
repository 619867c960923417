/* Facilitator entry screen: the map with the reference grid, a form that stays open, theme remembered. */
import { t } from "./i18n.js";
import * as offline from "./offline.js";

function main() {
  var form = document.getElementById("entry-form");
  var map = window.carteCommune && window.carteCommune.map;
  if (!form || !map || !window.L) { return; }
  var L = window.L;
  var cells = JSON.parse(document.getElementById("entry-grid").textContent).features;
  var status = document.getElementById("entry-status");
  var gridInput = document.getElementById("grid_ref");
  var title = document.getElementById("entry-title");
  var body = document.getElementById("entry-body");
  var recent = document.getElementById("entry-recent");
  var count = document.getElementById("entry-count");
  var themeKey = "cc-entry-theme-" + form.dataset.workshop;
  var marker = null, placedByClick = false, highlight = null;

  function textNode(text) {
    // Leaflet parses string content as HTML: give it an element holding text.
    var span = document.createElement("span");
    span.textContent = String(text);
    return span;
  }
  function centre(cell) {
    var ring = cell.geometry.coordinates[0].slice(0, 4), lon = 0, lat = 0;
    ring.forEach(function (p) { lon += p[0] / 4; lat += p[1] / 4; });
    return [lat, lon];
  }
  function inside(point, ring) {
    var hit = false, x = point[1], y = point[0];
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { hit = !hit; }
    }
    return hit;
  }
  function cellAt(latlng) {
    for (var i = 0; i < cells.length; i++) {
      if (inside([latlng.lat, latlng.lng], cells[i].geometry.coordinates[0])) { return cells[i]; }
    }
    return null;
  }
  function findCell(ref) {
    var clean = (ref || "").toUpperCase().replace(/[\s.-]/g, "");
    return cells.filter(function (c) { return c.properties.ref === clean; })[0] || null;
  }

  /* The whole grid in view (fractional zoom), labels on the cells that touch the perimeter. */
  var gridLayer = L.geoJSON({ type: "FeatureCollection", features: cells }, {
    interactive: false,
    style: function (cell) {
      return cell.properties.inside === false
        ? { color: "#9ca3af", weight: 0.5, fill: true, fillColor: "#6b7280", fillOpacity: 0.18, opacity: 0.5 }
        : { color: "#374151", weight: 1, fill: false, opacity: 0.7 };
    }
  }).addTo(map);
  map.options.zoomSnap = 0.1;
  map.fitBounds(gridLayer.getBounds(), { padding: [2, 2], animate: false });
  cells.filter(function (cell) { return cell.properties.inside !== false; }).forEach(function (cell) {
    L.marker(centre(cell), {
      interactive: false, keyboard: false,
      icon: L.divIcon({ className: "grid-label", html: textNode(cell.properties.ref), iconSize: [26, 14] })
    }).addTo(map);
  });

  function showCell(cell) {
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    if (cell) {
      highlight = L.geoJSON(cell, { interactive: false, style: { color: "#c8553d", weight: 3, fillOpacity: 0.12 } }).addTo(map);
    }
  }
  function place(latlng, byClick) {
    placedByClick = byClick;
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 3, fillColor: "#c8553d", fillOpacity: 1 }).addTo(map);
    }
  }
  function clearPlace() {
    if (marker) { map.removeLayer(marker); marker = null; }
    placedByClick = false;
    showCell(null);
  }

  map.on("click", function (event) {
    var cell = cellAt(event.latlng);
    place(event.latlng, true);
    showCell(cell);
    gridInput.value = cell ? cell.properties.ref : "";
    setErrors({});
    title.focus();
  });
  gridInput.addEventListener("input", function () {
    var cell = findCell(gridInput.value);
    if (cell) {
      place(centre(cell), false);
      showCell(cell);
      map.panTo(centre(cell));
    }
  });
  gridInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && findCell(gridInput.value) && !title.value.trim()) {
      event.preventDefault();
      title.focus();
    }
  });
  body.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  var theme = document.getElementById("entry-theme");
  var swatch = document.getElementById("entry-theme-swatch");
  function remember() {
    swatch.style.background = theme.options[theme.selectedIndex].dataset.color;
    try { localStorage.setItem(themeKey, theme.value); } catch (e) { /* private mode */ }
  }
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || !/^[1-9]$/.test(event.key)) { return; }
    var option = theme.querySelector('option[data-key="' + event.key + '"]');
    if (option) { event.preventDefault(); theme.value = option.value; remember(); }
  });
  theme.addEventListener("change", remember);
  try {
    var saved = localStorage.getItem(themeKey);
    if (saved && theme.querySelector('option[value="' + saved + '"]')) { theme.value = saved; }
  } catch (e) { /* private mode */ }
  remember();

  function setErrors(fields) {
    form.querySelectorAll("[data-errors-for]").forEach(function (p) {
      var key = p.dataset.errorsFor, messages = [];
      Object.keys(fields).forEach(function (name) {
        if (name === key || name.indexOf(key + ".") === 0) { messages = messages.concat(fields[name]); }
      });
      p.textContent = messages.join(" ");
    });
  }
  function payload() {
    var data = {
      theme: theme.value,
      title: title.value, body: body.value
    };
    if (marker && placedByClick) {
      var ll = marker.getLatLng();
      data.geometry = { type: "Point", coordinates: [ll.lng, ll.lat] };
    } else if (gridInput.value.trim()) {
      data.grid_ref = gridInput.value.trim();
    }
    var first = document.getElementById("participant-first-name").value.trim();
    var contact = document.getElementById("participant-contact").value.trim();
    if (first || contact) {
      data.participant = { first_name: first, contact: contact, consent: document.getElementById("participant-consent").checked };
    }
    return data;
  }
  function clearForm() {
    title.value = ""; body.value = ""; gridInput.value = "";
    if (!document.getElementById("participant-keep").checked) {
      ["participant-first-name", "participant-contact"].forEach(function (id) { document.getElementById(id).value = ""; });
      document.getElementById("participant-consent").checked = false;
    }
    clearPlace();
    gridInput.focus({ preventScroll: true });
    status.scrollIntoView({ block: "nearest" });
  }
  function recentItem(key) {
    var item = key && recent.querySelector('li[data-key="' + key + '"]');
    if (!item) {
      item = document.createElement("li");
      if (key) { item.dataset.key = key; }
      recent.insertBefore(item, recent.firstChild);
    }
    return item;
  }
  function shown(result, key) {
    var item = recentItem(key);
    item.className = "sent";
    item.textContent = t("n° %(number)s — %(title)s", { number: result.number, title: result.title }) + (result.grid_ref ? " (" + result.grid_ref + ")" : "") + (key ? t(" — envoyée") : "");
    count.textContent = String(parseInt(count.textContent, 10) + 1);
    var ll = L.latLng(result.geometry.coordinates[1], result.geometry.coordinates[0]);
    L.circleMarker(ll, { radius: 7, color: "#fff", weight: 2, fillColor: "#1d4e89", fillOpacity: 0.9 })
      .bindTooltip(textNode(t("n° %(number)s", { number: result.number }))).addTo(map);
  }
  function done(result, key) {
    shown(result, key);
    status.className = "entry-status ok";
    status.textContent = result.status === "pending"
      ? t("Idée n° %(number)s enregistrée (publiée après validation).", { number: result.number })
      : t("Idée n° %(number)s enregistrée.", { number: result.number });
    clearForm();
  }
  function waiting(item) {
    var li = recentItem(item.key);
    li.className = "waiting";
    li.textContent = t("En attente d'envoi — %(title)s", { title: item.body.title }) + (item.body.grid_ref ? " (" + item.body.grid_ref + ")" : "");
  }
  function queued(item) {
    waiting(item);
    status.className = "entry-status ok";
    status.textContent = t("Hors ligne : idée gardée sur la tablette, elle partira au retour du réseau.");
    clearForm();
  }
  function failed(error) {
    var fields = (error && error.fields) || {};
    setErrors(fields);
    status.className = "entry-status error";
    status.setAttribute("role", "alert");
    status.textContent = (error && error.message) || t("L'enregistrement a échoué : réessayez.");
    var first = form.querySelector("[data-errors-for]:not(:empty)");
    var target = first && { grid_ref: gridInput, geometry: gridInput, title: title, body: body }[first.dataset.errorsFor];
    if (target) { target.focus(); }
  }

  /* Offline: entries wait in IndexedDB and leave with their Idempotency-Key when the network returns. */
  var network = document.getElementById("offline-network");
  var ready = document.getElementById("offline-ready");
  function showNetwork(pending, online) {
    var ideas = pending > 1 ? t("%(n)s idées en attente", { n: pending }) : t("%(n)s idée en attente", { n: pending });
    network.className = online ? "online" : "offline";
    network.textContent = online ? (pending ? t("en ligne — envoi de %(ideas)s", { ideas: ideas }) : t("en ligne")) : t("hors ligne — %(ideas)s", { ideas: ideas });
  }
  function outcome(item, result) {
    if (result.state === "sent") { shown(result.result, item.key); return; }
    var li = recentItem(item.key);
    li.className = "refused";
    li.textContent = t("Refusée — %(title)s : %(reason)s", { title: item.body.title, reason: (result.error && result.error.message) || t("l'envoi a été refusé.") });
  }
  var outbox = new offline.Outbox({ url: form.dataset.api, onChange: showNetwork, onOutcome: outcome });
  function showReady(state) {
    if (state.state === "ready") {
      ready.className = "ready";
      ready.textContent = state.tiles
        ? t("prêt hors ligne (%(size)s, %(tiles)s tuiles de carte)", { size: offline.size(state.bytes), tiles: state.tiles })
        : t("prêt hors ligne (%(size)s)", { size: offline.size(state.bytes) });
    } else if (state.state === "preparing") {
      ready.className = "preparing";
      ready.textContent = t("préparation hors ligne…") + (state.count ? " " + t("%(done)s / %(count)s tuiles", { done: state.done, count: state.count }) : "");
    } else {
      ready.className = "not-ready";
      ready.textContent = { unsupported: t("hors ligne impossible sur ce navigateur"), offline: t("pas préparé pour le hors-ligne") }[state.state] || t("préparation hors ligne échouée");
    }
  }
  function prepare() { return offline.prepare(form.dataset.offline, showReady); }
  document.getElementById("offline-prepare").addEventListener("click", prepare);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = document.getElementById("entry-submit");
    button.disabled = true;
    setErrors({});
    status.textContent = t("Enregistrement…");
    outbox.add(payload()).then(function (item) {
      if (!navigator.onLine) { queued(item); return; }
      outbox.inflight[item.key] = true;
      return outbox.send(item).then(function (result) {
        delete outbox.inflight[item.key];
        if (result.state === "sent") { done(result.result, null); } else if (result.state === "refused") { failed(result.error); } else { queued(item); }
      });
    }).catch(function () { failed(null); }).then(function () {
      button.disabled = false;
      outbox.refresh();
    });
  });
  outbox.pending().then(function (items) { items.forEach(waiting); }).catch(function () { /* no IndexedDB */ })
    .then(function () { return outbox.refresh(); }).then(function () { if (navigator.onLine) { outbox.sync(); } });
  if (navigator.onLine) { prepare(); } else { showReady(JSON.parse(localStorage.getItem("cc-offline-" + form.dataset.offline) || '{"state":"offline"}')); }
  gridInput.focus({ preventScroll: true });
}

main();
