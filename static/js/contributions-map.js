/* Carte Commune: the resident map (bubbles by theme and score, summary sheet, crosshair proposal). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("cc-config").textContent);
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content;
  var map, layer, pin, ctrl, timer;
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] != null) node.setAttribute(k, attrs[k]); });
    (kids || []).forEach(function (kid) {
      if (kid != null) node.appendChild(typeof kid === "string" || typeof kid === "number" ? document.createTextNode(kid) : kid);
    });
    return node;
  }
  function say(text) { $("cc-status").textContent = text; }
  function plural(n, word) { return n.toLocaleString("fr-FR") + " " + word + (n > 1 ? "s" : ""); }
  function color(theme) { return (cfg.themes[theme] || {}).color || "#555"; }
  function token() {
    // Pages for anonymous visitors carry no token (no session cookie): ask for one before a write.
    if (csrf) return Promise.resolve(csrf);
    return fetch("/api/csrf-token", { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (body) { csrf = body.token; return csrf; });
  }
  function api(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    var write = options.method && options.method !== "GET";
    return (write ? token() : Promise.resolve(csrf)).then(function (t) {
      options.headers = Object.assign({ Accept: "application/json", "X-CSRFToken": t || "" }, options.headers || {});
      return fetch(url, options);
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { var e = new Error((body.error || {}).message || "Erreur " + r.status); e.body = body; e.status = r.status; throw e; }
        return body;
      });
    });
  }

  /* --- bubbles ------------------------------------------------------------------------------- */
  function filters() {
    var f = $("cc-filters");
    return ["theme", "outcome"].filter(function (name) { return f.elements[name].value; })
      .map(function (name) { return name + "=" + encodeURIComponent(f.elements[name].value); }).join("&");
  }
  function query() {
    var b = map.getBounds();
    var box = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -85), Math.min(b.getEast(), 180), Math.min(b.getNorth(), 85)];
    var q = "bbox=" + box.map(function (n) { return n.toFixed(5); }).join(",");
    q += "&zoom=" + Math.round(map.getZoom());
    return filters() ? q + "&" + filters() : q;
  }
  function tileUrls() {
    // Below the street zoom: the grid by map tile, the same for everyone (cached by the browser and nginx).
    var z = Math.round(map.getZoom()), b = map.getBounds(), n = Math.pow(2, z), urls = [];
    var nw = map.project(b.getNorthWest(), z).divideBy(256).floor(), se = map.project(b.getSouthEast(), z).divideBy(256).floor();
    var q = filters();
    for (var x = Math.max(nw.x, 0); x <= Math.min(se.x, n - 1); x++) {
      for (var y = Math.max(nw.y, 0); y <= Math.min(se.y, n - 1); y++) {
        urls.push(cfg.mapUrl + "/" + z + "/" + x + "/" + y + (q ? "?" + q : ""));
      }
    }
    return urls;
  }
  function fetchJson(url, credentials) {
    return fetch(url, { credentials: credentials, signal: ctrl && ctrl.signal })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function load() {
    if (ctrl) ctrl.abort();
    ctrl = window.AbortController ? new AbortController() : null;
    var answers = Math.round(map.getZoom()) >= cfg.streetZoom
      ? [fetchJson(cfg.mapUrl + "?" + query(), "same-origin")]
      : tileUrls().map(function (url) { return fetchJson(url, "omit"); });  // no cookie: a shared answer
    Promise.all(answers)
      .then(function (parts) { draw({ features: [].concat.apply([], parts.map(function (p) { return p.features || []; })), truncated: parts.some(function (p) { return p.truncated; }) }); })
      .catch(function (e) { if (e.name !== "AbortError") say("Impossible de charger les idées : vérifiez votre connexion."); });
  }
  function draw(data) {
    var count = 0, view = map.getBounds();
    layer.clearLayers();
    (data.features || []).forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates, at = [c[1], c[0]];
      if (!p.cluster) { count += 1; layer.addLayer(bubble(at, p)); return; }
      if (view.contains(at)) count += p.count;  // tiles reach beyond the screen: count what it shows
      layer.addLayer(cluster(at, p));
    });
    if (data.truncated) say(plural(count, "idée") + " affichées : zoomez pour les voir toutes");
    else say(count ? plural(count, "idée") + " dans cette zone" : "Aucune idée dans cette zone pour l'instant.");
  }
  function bubble(at, p) {
    var score = (p.agree || 0) - (p.disagree || 0);
    var marker = L.circleMarker(at, {
      radius: 7 + Math.min(15, 2.2 * Math.sqrt(Math.max(0, score))),
      color: p.status === "pending" ? "#1b1f24" : "#fff", weight: 2, dashArray: p.status === "pending" ? "3 3" : null,
      fillColor: color(p.theme), fillOpacity: score < 0 ? 0.55 : 0.9
    });
    marker.on("click", function () { summary(p.id); });
    return marker;
  }
  function clusterLabel(p) {
    // DOM nodes, not an HTML string (Leaflet would parse a string as HTML).
    var label = el("span", {}, [Number(p.count).toLocaleString("fr-FR")]);
    label.style.background = color(p.theme);
    return label;
  }
  function cluster(at, p) {
    var size = Math.round(30 + Math.min(26, 5 * Math.log(p.count)));
    var icon = L.divIcon({
      className: "cc-cluster", iconSize: [size, size],
      html: clusterLabel(p)
    });
    var marker = L.marker(at, { icon: icon, title: plural(p.count, "idée") + " : zoomer", alt: plural(p.count, "idée") });
    marker.on("click", function () { map.setView(at, Math.min(map.getZoom() + 2, 19)); });
    return marker;
  }

  /* --- bottom sheet ----------------------------------------------------------------------------- */
  function openSheet(title, formMode) {
    $("cc-sheet").hidden = false;
    $("cc-sheet-title").textContent = title;
    $("cc-summary").hidden = formMode;
    if ($("cc-form-box")) $("cc-form-box").hidden = !formMode;
    $("cc-sheet-title").focus();
  }
  function closeSheet() {
    $("cc-sheet").hidden = true;
    if (pin) { map.removeLayer(pin); pin = null; }
  }
  function summary(id, focus, thanks) {
    openSheet("Idée", false);
    $("cc-summary").replaceChildren(el("p", { class: "meta" }, ["Chargement…"]));
    api(cfg.contributionUrl + id).then(function (item) {
      var at = L.latLng(item.anchor[1], item.anchor[0]);
      if (focus) map.setView(at, Math.max(map.getZoom(), cfg.streetZoom), { animate: false });
      if (pin) { map.removeLayer(pin); pin = null; }
      if (item.geometry && item.geometry.type !== "Point") {  // a route or a zone: drawn while its sheet is open
        pin = L.geoJSON(item.geometry, { style: { color: item.theme_color, weight: 5, fillOpacity: 0.25 } }).addTo(map);
      }
      $("cc-sheet-title").textContent = item.title;
      $("cc-summary").replaceChildren(card(item, thanks));
      reveal(at);
    }).catch(function (e) { $("cc-summary").replaceChildren(el("p", { class: "field-errors" }, [e.message])); });
  }
  function reveal(at) {
    // Keep the idea's bubble, or the whole route or zone, in sight above the bottom sheet.
    var top = $("cc-sheet").getBoundingClientRect().top - map.getContainer().getBoundingClientRect().top;
    var size = map.getSize(), visible = Math.min(size.y, top);
    if (pin) {
      var bounds = pin.getBounds(), ne = map.latLngToContainerPoint(bounds.getNorthEast()), sw = map.latLngToContainerPoint(bounds.getSouthWest());
      if (ne.y < 12 || sw.y > visible - 12 || sw.x < 12 || ne.x > size.x - 12) {
        // Centred in the part left visible, zoomed out when it does not fit, but not below the
        // street zoom (below it the map shows counts, refreshed a few seconds after a new idea).
        var zoom = Math.max(cfg.streetZoom, Math.min(map.getZoom(), map.getBoundsZoom(bounds, false, L.point(48, size.y - visible + 48))));
        var middle = map.project(bounds.getCenter(), zoom).add([0, (size.y - visible) / 2]);
        map.setView(map.unproject(middle, zoom), zoom);
      }
      return;
    }
    var point = map.latLngToContainerPoint(at);
    if (point.y > visible - 30 || point.y < 30) map.panBy([0, point.y - visible / 2]);
  }
  function tally(item) {
    if (item.votes.support != null) return plural(item.votes.support, "soutien");
    return item.votes.agree + " d'accord · " + item.votes.disagree + " pas d'accord";
  }
  function card(item, thanks) {
    var body = item.body.length > 220 ? item.body.slice(0, 220) + "…" : item.body;
    return el("div", {}, [
      thanks ? el("p", { class: "flash flash-success", role: "status" }, [thanks]) : null,
      el("p", { class: "cc-theme" }, [el("span", { class: "swatch", style: "background:" + item.theme_color, "aria-hidden": "true" }), item.theme_label]),
      item.status === "pending" ? el("p", {}, [el("span", { class: "badge cc-badge-pending" }, ["En attente de validation"])]) : null,
      item.outcome_label ? el("p", {}, [el("span", { class: "badge cc-outcome" }, ["Suite : " + item.outcome_label])]) : null,
      item.photos.length ? el("img", { class: "cc-sheet-photo", src: item.photos[0].thumb_url, alt: "" }) : null,
      body ? el("p", { class: "cc-body" }, [body]) : null,
      el("p", { class: "meta", id: "cc-tally" }, [tally(item) + " · " + plural(item.comments, "commentaire")]),
      el("p", { class: "meta" }, [(item.author || item.source_label) + (item.commune ? " · " + item.commune : "")]),
      quickVotes(item),
      el("p", {}, [el("a", { class: "button", href: item.url }, ["Voir l'idée, voter et commenter"])])
    ]);
  }
  function quickVotes(item) {
    if (!cfg.voteOpen || !cfg.signedIn || item.status !== "published") return null;
    var values = cfg.votingMode === "support" ? [[1, "Je soutiens"]] : [[1, "D'accord"], [-1, "Pas d'accord"]];
    return el("div", { class: "cc-vote-buttons" }, values.map(function (v) {
      var kind = v[0] === 1 ? "cc-vote-agree" : "cc-vote-disagree";
      var b = el("button", { type: "button", class: "button cc-vote " + kind, "aria-pressed": String(item.my_vote === v[0]) }, [v[1]]);
      b.addEventListener("click", function () {
        var again = item.my_vote === v[0];
        api(cfg.contributionUrl + item.id + "/vote", again ? { method: "DELETE" } : {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ value: v[0] })
        }).then(function (r) { item.votes = r.votes; item.my_vote = r.my_vote; summary(item.id, false, "Votre vote est enregistré."); load(); })
          .catch(function (e) { say(e.message); });
      });
      return b;
    }));
  }

  /* --- proposing: crosshair, geolocation, form ------------------------------------------------------ */
  // A route or a zone is drawn with the same crosshair: each « Ajouter ce point » adds the point under it.
  var sketch = { points: [], layer: null };
  var HELP = {
    point: "Déplacez la carte pour mettre le viseur sur le lieu de votre idée.",
    line: "Viseur sur chaque étape du trajet, du départ à l'arrivée, puis « Ajouter ce point ».",
    polygon: "Viseur sur chaque coin de la zone, puis « Ajouter ce point »."
  };
  var MIN_POINTS = { point: 0, line: 2, polygon: 3 };
  var DONE = { point: "Valider ce lieu", line: "Terminer le trajet", polygon: "Terminer la zone" };
  var CHOSEN = { point: "Lieu choisi au centre de la carte.", line: "Trajet tracé sur la carte.", polygon: "Zone tracée sur la carte." };
  function kind() {
    var checked = document.querySelector('input[name="cc-kind"]:checked');
    return checked ? checked.value : "point";
  }
  function clearSketch() {
    if (sketch.layer) map.removeLayer(sketch.layer);
    sketch.layer = null;
    sketch.points = [];
  }
  function refreshSketch() {
    var k = kind(), n = sketch.points.length, drawing = k !== "point", missing = MIN_POINTS[k] - n;
    if (sketch.layer) map.removeLayer(sketch.layer);
    sketch.layer = null;
    if (n) {
      var line = { color: "#1b1f24", weight: 4, dashArray: "8 6", fillColor: "#f2b134", fillOpacity: 0.3 };
      var shape = k === "polygon" && n > 2 ? L.polygon(sketch.points, line) : L.polyline(sketch.points, line);
      sketch.layer = L.featureGroup([shape].concat(sketch.points.map(function (p) {
        return L.circleMarker(p, { radius: 6, color: "#1b1f24", weight: 2, fillColor: "#fff", fillOpacity: 1 });
      }))).addTo(map);
    }
    var help = HELP[k];
    if (drawing) help += " " + (n ? plural(n, "point") + " placé" + (n > 1 ? "s" : "") + "." : "") + (missing > 0 ? " Encore " + missing + " au moins." : "");
    $("cc-place-help").textContent = help;
    // The panel keeps its layout while drawing, so that the crosshair above it never jumps.
    $("cc-place").classList.toggle("cc-drawing", drawing);
    $("cc-add-vertex").hidden = !drawing;
    $("cc-undo-vertex").hidden = !drawing;
    $("cc-undo-vertex").disabled = !n;
    $("cc-confirm").textContent = DONE[k];
    $("cc-confirm").disabled = missing > 0;
  }
  function aimCrosshair() {
    // The crosshair sits in the middle of the part of the map that the panel leaves visible.
    var top = map.getContainer().getBoundingClientRect().top;
    var visible = Math.min(map.getSize().y, $("cc-place").getBoundingClientRect().top - top);
    $("cc-crosshair").style.top = Math.max(24, Math.round(visible / 2)) + "px";
  }
  function aim() {
    var box = $("cc-crosshair").getBoundingClientRect(), top = map.getContainer().getBoundingClientRect();
    return map.containerPointToLatLng([box.left + box.width / 2 - top.left, box.top + box.height / 2 - top.top]);
  }
  function addPoint() {
    map.stop();  // a tap while the map still glides places the point there, and the map stays on it
    var c = aim(), last = sketch.points[sketch.points.length - 1];
    if (last && map.latLngToContainerPoint(last).distanceTo(map.latLngToContainerPoint(c)) < 8) {
      $("cc-place-help").textContent = "Déplacez d'abord la carte : ce point est déjà placé.";
      return;
    }
    sketch.points.push(c);
    refreshSketch();
  }
  function placing(on) {
    $("cc-crosshair").hidden = !on;
    $("cc-place").hidden = !on;
    if ($("cc-propose")) $("cc-propose").hidden = on;
    clearSketch();
    if (on) { closeSheet(); refreshSketch(); aimCrosshair(); if (map.getZoom() < cfg.streetZoom) map.setZoom(cfg.streetZoom); $("cc-place-help").focus(); }
  }
  function propose() {
    if (!cfg.confirmed) { say("Confirmez d'abord votre adresse e-mail (lien reçu par courriel) pour proposer une idée."); return; }
    placing(true);
  }
  function locate() {
    if (!navigator.geolocation) { say("La géolocalisation n'est pas disponible sur cet appareil."); return; }
    say("Recherche de votre position…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      map.setView([pos.coords.latitude, pos.coords.longitude], 18);
      say("Position trouvée : ajustez le viseur si besoin.");
    }, function () { say("Position introuvable : déplacez la carte à la main."); }, { enableHighAccuracy: true, timeout: 10000 });
  }
  function confirmPlace() {
    map.stop();
    var k = kind(), c = aim(), geometry = "", drawn = null;
    if (k === "point") {
      drawn = L.circleMarker(c, { radius: 9, color: "#1b1f24", weight: 3, fillColor: "#f2b134", fillOpacity: 1 });
    } else {
      var coords = sketch.points.map(function (p) { return [+p.lng.toFixed(6), +p.lat.toFixed(6)]; });
      geometry = JSON.stringify(k === "line"
        ? { type: "LineString", coordinates: coords }
        : { type: "Polygon", coordinates: [coords.concat([coords[0]])] });
      drawn = sketch.layer;
      sketch.layer = null;  // kept on the map, under the form, as the pin
    }
    $("cc-lon").value = k === "point" ? c.lng.toFixed(6) : "";
    $("cc-lat").value = k === "point" ? c.lat.toFixed(6) : "";
    $("cc-geometry").value = geometry;
    $("cc-place-what").textContent = CHOSEN[k];
    placing(false);
    pin = drawn.addTo(map);
    openSheet("Proposer une idée", true);
    $("cc-theme").focus();
  }
  function showErrors(fields) {
    ["geometry", "theme", "title", "body", "photos"].forEach(function (name) {
      var box = $("cc-error-" + name), input = $("cc-" + name);
      var message = (fields[name] || [])[0] || "";
      box.textContent = message;
      if (name === "geometry") box.hidden = !message;
      if (input) { if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid"); }
    });
  }
  function shrink(file) {
    // Phone photos are large: send at most 1600 px (the server re-encodes anyway) to save mobile data.
    if (!window.createImageBitmap || file.size < 600000 || !/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (img) {
      var s = Math.min(1, 1600 / Math.max(img.width, img.height)), canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * s); canvas.height = Math.round(img.height * s);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (done) {
        canvas.toBlob(function (blob) {
          done(blob && blob.size < file.size ? new File([blob], "photo.jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }
  function submit(event) {
    event.preventDefault();
    var form = event.target, button = $("cc-submit"), files = Array.prototype.slice.call($("cc-photos").files);
    if (files.length > 3) { showErrors({ photos: ["3 photos au maximum."] }); return; }
    button.disabled = true;
    showErrors({});
    Promise.all(files.map(shrink)).then(function (photos) {
      var data = new FormData(form);
      data.delete("photos");
      photos.forEach(function (p) { data.append("photos", p, p.name || "photo.jpg"); });
      return api(form.action, { method: "POST", body: data });
    }).then(function (item) {
      form.reset();
      closeSheet();
      map.setView([item.anchor[1], item.anchor[0]], Math.max(map.getZoom(), cfg.streetZoom));
      load();
      summary(item.id, false, item.status === "pending"
        ? "Merci ! Votre idée est enregistrée : elle sera visible par tous après validation."
        : "Merci ! Votre idée est publiée sur la carte.");
    }).catch(function (e) {
      var fields = (e.body && e.body.error && e.body.error.fields) || {};
      if (!Object.keys(fields).length) fields = { geometry: [e.status === 413 ? "Photos trop lourdes : 8 Mo au plus chacune." : e.message] };
      showErrors(fields);
      (fields.geometry ? $("cc-error-geometry") : form.querySelector("[aria-invalid=true]") || $("cc-error-geometry")).focus();
    }).then(function () { button.disabled = false; });
  }

  function bind() {
    $("cc-filters").addEventListener("change", load);
    $("cc-close").addEventListener("click", closeSheet);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") { closeSheet(); if (!$("cc-place").hidden) placing(false); } });
    if (!$("cc-propose")) return;
    $("cc-propose").addEventListener("click", propose);
    $("cc-cancel").addEventListener("click", function () { placing(false); });
    $("cc-locate").addEventListener("click", locate);
    $("cc-confirm").addEventListener("click", confirmPlace);
    $("cc-add-vertex").addEventListener("click", addPoint);
    $("cc-undo-vertex").addEventListener("click", function () { sketch.points.pop(); refreshSketch(); });
    if ($("cc-kinds")) $("cc-kinds").addEventListener("change", function () { clearSketch(); refreshSketch(); aimCrosshair(); });
    window.addEventListener("resize", function () { if (!$("cc-place").hidden) aimCrosshair(); });
    $("cc-replace").addEventListener("click", function () { placing(true); });
    $("cc-form").addEventListener("submit", submit);
    $("cc-place-help").setAttribute("tabindex", "-1");
    $("cc-error-geometry").setAttribute("tabindex", "-1");
  }

  window.CarteCommune = {
    start: function (leafletMap) {
      map = window.CarteCommune.map = leafletMap;
      layer = L.layerGroup().addTo(map);
      if (map.zoomControl) {
        [[map.zoomControl._zoomInButton, "Zoomer"], [map.zoomControl._zoomOutButton, "Dézoomer"]].forEach(function (b) {
          if (b[0]) { b[0].title = b[1]; b[0].setAttribute("aria-label", b[1]); }
        });
      }
      map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 150); });
      bind();
      load();
      if (cfg.focus) summary(cfg.focus, true);
    }
  };
})();
