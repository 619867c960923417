/* Carte Commune: the resident map. Ideas as markers (theme by colour AND symbol, 44 px targets that
   never cover one another), the same ideas as a keyboard list « Idées dans cette zone », a summary
   sheet, and the proposal (crosshair, form, photo) whose draft stays on the phone until it is sent. */
import { api, ApiError, getJson, newKey } from "./api.js";
import { byId as $, el } from "./dom.js";
import { forgetDraft, loadDraft, saveDraft } from "./drafts.js";
import { locale, t } from "./i18n.js";
import { toast } from "./toast.js";

const cfg = JSON.parse($("cc-config").textContent);
const L = window.L;
const TARGET = 44; // CSS px: the smallest hit area of a marker or a cluster (WCAG 2.5.5 / 2.5.8)
const MAX_PHOTOS = 3;
let map;
let layer;
let pin = null;
let controller = null;
let timer = null;
let firstLoad = true;
let home = null; // the first view: it frames the consultation's perimeter (« Revenir au quartier »)

const nf = (n) => Number(n).toLocaleString(locale); // a number in the page's language
const theme = (slug) => cfg.themes[slug] || { label: slug || "", color: "#555", symbol: "●" };

function say(text) {
  $("cc-status").textContent = text;
}

/* --- map data: one request on the first load, then the cached grid tiles below the street zoom --- */
function filters() {
  const form = $("cc-filters");
  const params = new URLSearchParams();
  for (const name of ["theme", "outcome"]) if (form.elements[name].value) params.set(name, form.elements[name].value);
  return params;
}
function viewportUrl(b) {
  const box = [
    Math.max(b.getWest(), -180),
    Math.max(b.getSouth(), -85),
    Math.min(b.getEast(), 180),
    Math.min(b.getNorth(), 85),
  ];
  const params = new URLSearchParams({ bbox: box.map((n) => n.toFixed(5)).join(","), zoom: String(Math.round(map.getZoom())) });
  for (const [name, value] of filters()) params.set(name, value);
  return `${cfg.mapUrl}?${params}`;
}
function tileUrls() {
  // Below the street zoom: the grid by map tile, the same for everyone (cached by the browser and nginx).
  const z = Math.round(map.getZoom());
  const b = map.getBounds();
  const n = 2 ** z;
  const nw = map.project(b.getNorthWest(), z).divideBy(256).floor();
  const se = map.project(b.getSouthEast(), z).divideBy(256).floor();
  const q = filters().toString();
  const urls = [];
  for (let x = Math.max(nw.x, 0); x <= Math.min(se.x, n - 1); x++) {
    for (let y = Math.max(nw.y, 0); y <= Math.min(se.y, n - 1); y++) {
      urls.push(`${cfg.mapUrl}/${z}/${x}/${y}${q ? `?${q}` : ""}`);
    }
  }
  return urls;
}
let lastView = null; // {zoom, filters, bounds, data}: the data already drawn, and the area it covers

async function load({ force = false } = {}) {
  const zoom = Math.round(map.getZoom());
  const query = filters().toString();
  if (!force && lastView && lastView.zoom === zoom && lastView.filters === query && lastView.bounds.contains(map.getBounds())) {
    draw(lastView.data); // a small move inside the area already fetched: nothing to ask
    return;
  }
  controller?.abort();
  controller = new AbortController();
  const signal = controller.signal;
  // The first view (and the street zoom) is one viewport request, a little larger than the screen so
  // that the end of an opening animation or a small move needs nothing more; tiles for later moves.
  const single = firstLoad || zoom >= cfg.streetZoom;
  firstLoad = false;
  const bounds = single ? map.getBounds().pad(0.15) : map.getBounds();
  const url = viewportUrl(bounds);
  const early = single && window.CarteCommune.firstData && window.CarteCommune.firstUrl === url ? window.CarteCommune.firstData : null;
  window.CarteCommune.firstData = null; // asked for by the page while it loaded: used once
  const requests = single
    ? [early ? early.then((r) => (r.ok ? r.json() : getJson(url, { signal }))).catch(() => getJson(url, { signal })) : getJson(url, { signal })]
    : tileUrls().map((url) => getJson(url, { signal, credentials: "omit" })); // no cookie: a shared answer
  try {
    const parts = await Promise.all(requests);
    const data = { features: parts.flatMap((p) => p.features || []), truncated: parts.some((p) => p.truncated) };
    lastView = { zoom, filters: query, bounds, data };
    draw(data);
  } catch (error) {
    if (error.name !== "AbortError") say(t("Impossible de charger les idées : vérifiez votre connexion."));
  }
}

/* --- markers: 44 px targets, spread apart when they would cover one another --------------------- */
function spread(items) {
  // Items closer than one target on screen are laid out on a small circle around their centre, then
  // any overlap left between neighbours is pushed apart: no marker ever hides another.
  const placed = items.map((item) => ({ item, point: map.latLngToContainerPoint(item.at), size: item.p.cluster ? TARGET + 8 : TARGET }));
  const blocks = obstacles();
  const groups = [];
  for (const p of placed) {
    const group = groups.find((g) => g.centre.distanceTo(p.point) < TARGET);
    if (group) {
      group.members.push(p);
      group.centre = group.members.reduce((acc, m) => acc.add(m.point), L.point(0, 0)).divideBy(group.members.length);
    } else {
      groups.push({ centre: p.point, members: [p] });
    }
  }
  for (const group of groups) {
    const n = group.members.length;
    if (n === 1) continue;
    const radius = Math.max(TARGET, (TARGET + 4) / (2 * Math.sin(Math.PI / n)));
    group.members.forEach((m, i) => {
      const angle = (2 * Math.PI * i) / n - Math.PI / 2;
      m.point = group.centre.add(L.point(Math.cos(angle) * radius, Math.sin(angle) * radius));
    });
  }
  for (let pass = 0; pass < 12; pass++) {
    let moved = false;
    for (let i = 0; i < placed.length; i++) {
      for (let j = i + 1; j < placed.length; j++) {
        const a = placed[i];
        const b = placed[j];
        const need = (a.size + b.size) / 2 + 2;
        const dx = b.point.x - a.point.x;
        const dy = b.point.y - a.point.y;
        if (Math.abs(dx) >= need || Math.abs(dy) >= need) continue; // square targets: apart on one axis
        const d = Math.hypot(dx, dy) || 1;
        const push = (need - Math.max(Math.abs(dx), Math.abs(dy))) / 2 + 0.5;
        const ux = d > 1 ? dx / d : Math.cos(i + j);
        const uy = d > 1 ? dy / d : Math.sin(i + j);
        const step = L.point(ux * push * Math.SQRT2, uy * push * Math.SQRT2);
        a.point = a.point.subtract(step);
        b.point = b.point.add(step);
        moved = true;
      }
    }
    for (const a of placed) {
      for (const box of blocks) {
        const half = a.size / 2 + 2;
        const { x, y } = a.point;
        if (x <= box.left - half || x >= box.right + half || y <= box.top - half || y >= box.bottom + half) continue;
        // Out by the shortest way: a control never sits on a marker, nor a marker under a control.
        const exits = [
          [box.left - half - x, 0],
          [box.right + half - x, 0],
          [0, box.top - half - y],
          [0, box.bottom + half - y],
        ].sort((m, n) => Math.abs(m[0] + m[1]) - Math.abs(n[0] + n[1]));
        a.point = a.point.add(L.point(exits[0][0], exits[0][1]));
        moved = true;
      }
    }
    if (!moved) break;
  }
  for (const p of placed) p.item.shown = map.containerPointToLatLng(p.point);
  return items;
}
function obstacles() {
  // The map's controls and the buttons over it, in the map's own coordinates.
  const frame = map.getContainer().getBoundingClientRect();
  const nodes = [
    ...map.getContainer().querySelectorAll(".leaflet-control"),
    ...document.querySelectorAll("#cc-map-wrap > .cc-fab, #cc-map-wrap > .cc-status"),
  ];
  return nodes
    .map((node) => node.getBoundingClientRect())
    .filter((r) => r.width && r.height)
    .map((r) => ({ left: r.left - frame.left, right: r.right - frame.left, top: r.top - frame.top, bottom: r.bottom - frame.top }));
}
function markerIcon(kind, p) {
  const th = theme(p.theme);
  if (kind === "cluster") {
    const face = el("span", { class: "cc-marker-face" }, [
      el("span", { class: "cc-marker-symbol", "aria-hidden": "true" }, [th.symbol]),
      nf(p.count),
    ]);
    face.style.background = th.color;
    return L.divIcon({ className: "cc-marker cc-cluster", iconSize: [TARGET + 8, TARGET + 8], html: face });
  }
  const score = (p.agree || 0) - (p.disagree || 0);
  const size = Math.round(26 + Math.min(14, 2.2 * Math.sqrt(Math.max(0, score))));
  const face = el("span", { class: `cc-marker-face${p.status === "pending" ? " cc-pending" : ""}`, "data-idea": p.id }, [th.symbol]);
  face.style.background = th.color;
  face.style.width = face.style.height = `${size}px`;
  if (score < 0) face.style.opacity = "0.7";
  return L.divIcon({ className: "cc-marker cc-idea", iconSize: [TARGET, TARGET], html: face });
}
function ideaLabel(p) {
  const th = theme(p.theme);
  const title = titles.get(String(p.id));
  const votes = t("%(agree)s d'accord · %(disagree)s pas d'accord", { agree: p.agree || 0, disagree: p.disagree || 0 });
  return title ? `${title} (${th.label})` : t("Idée « %(theme)s », %(votes)s", { theme: th.label, votes });
}
const markers = new Map(); // id -> {marker, p} of the ideas drawn
function draw(data) {
  layer.clearLayers();
  markers.clear();
  const view = map.getBounds();
  const items = (data.features || []).map((f) => {
    const c = f.geometry.coordinates;
    return { p: f.properties, at: L.latLng(c[1], c[0]) };
  });
  let count = 0;
  const listed = [];
  for (const item of spread(items)) {
    const p = item.p;
    const inView = view.contains(item.at);
    let marker;
    if (p.cluster) {
      const label = (p.count > 1 ? t("%(n)s idées « %(theme)s » : zoomer", { theme: theme(p.theme).label, n: nf(p.count) }) : t("%(n)s idée « %(theme)s » : zoomer", { theme: theme(p.theme).label, n: nf(p.count) }));
      marker = L.marker(item.shown, { icon: markerIcon("cluster", p), title: label, alt: label, keyboard: true });
      marker.on("click", () => zoomTo(item.at));
      if (inView) count += p.count;
    } else {
      const label = ideaLabel(p);
      marker = L.marker(item.shown, { icon: markerIcon("idea", p), title: label, alt: label, keyboard: true });
      marker.on("click", () => summary(p.id));
      markers.set(String(p.id), { marker, p });
      if (inView) count += 1;
    }
    if (!item.shown.equals(item.at)) {
      layer.addLayer(L.polyline([item.at, item.shown], { color: "#1b1f24", weight: 1, interactive: false }));
    }
    layer.addLayer(marker);
    if (inView) listed.push(item);
  }
  shown = listed;
  list();
  window.performance?.mark?.("cc-ideas-drawn");
  document.documentElement.dataset.ideasDrawn = String(count);
  if (data.truncated) say((count > 1 ? t("%(n)s idées affichées : zoomez pour les voir toutes", { n: nf(count) }) : t("%(n)s idée affichée : zoomez pour les voir toutes", { n: nf(count) })));
  else say(count ? (count > 1 ? t("%(n)s idées dans cette zone", { n: nf(count) }) : t("%(n)s idée dans cette zone", { n: nf(count) })) : t("Aucune idée dans cette zone pour l'instant."));
}
function zoomTo(at) {
  map.setView(at, Math.min(map.getZoom() + 2, 19));
}

/* --- « Idées dans cette zone »: the same ideas as a list, each a button ------------------------ */
const titles = new Map(); // id -> title, asked for when the list is open (the map data has no titles)
let shown = []; // the ideas and clusters in view, as last drawn

async function fetchTitles() {
  const missing = shown.filter(({ p }) => !p.cluster && !titles.has(String(p.id))).map(({ p }) => p.id);
  if (!missing.length) return;
  try {
    const answer = await getJson(`${cfg.titlesUrl}?ids=${missing.slice(0, 500).join(",")}`);
    for (const [id, title] of Object.entries(answer.titles || {})) {
      titles.set(id, title);
      const drawn = markers.get(id);
      drawn?.marker.getElement()?.setAttribute("title", ideaLabel(drawn.p)); // its name, read aloud
    }
    list();
  } catch {
    /* the list keeps its theme labels */
  }
}
function list() {
  const box = $("cc-zone-list");
  if (!box) return;
  let count = 0;
  // Redrawn while someone may be going through it with the keyboard: the focus stays on its idea.
  const focused = box.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  const rows = shown.map(({ p, at }) => {
    const th = theme(p.theme);
    const symbol = el("span", { class: "cc-zone-symbol", "aria-hidden": "true" }, [th.symbol]);
    symbol.style.background = th.color;
    let button;
    if (p.cluster) {
      count += p.count;
      const label = (p.count > 1 ? t("%(n)s idées « %(theme)s » : zoomer", { theme: th.label, n: nf(p.count) }) : t("%(n)s idée « %(theme)s » : zoomer", { theme: th.label, n: nf(p.count) }));
      button = el("button", { type: "button", class: "cc-zone-item", "data-key": `c${at.lat},${at.lng}` }, [symbol, el("span", {}, [label])]);
      button.addEventListener("click", () => zoomTo(at));
    } else {
      count += 1;
      const title = titles.get(String(p.id));
      button = el("button", { type: "button", class: "cc-zone-item", "data-key": `i${p.id}` }, [
        symbol,
        el("span", {}, [title || ideaLabel(p), title ? el("span", { class: "cc-zone-theme" }, [` · ${th.label}`]) : null]),
      ]);
      button.addEventListener("click", () => summary(p.id, true));
    }
    return el("li", {}, [button]);
  });
  box.replaceChildren(...rows);
  if (focused) box.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  $("cc-zone-count").textContent = `(${nf(count)})`;
  $("cc-zone-empty").hidden = rows.length > 0;
  if ($("cc-zone").open) fetchTitles();
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
  if (pin) {
    map.removeLayer(pin);
    pin = null;
  }
}
async function summary(id, focus, thanks) {
  openSheet(t("Idée"), false);
  $("cc-summary").replaceChildren(el("p", { class: "meta" }, [t("Chargement…")]));
  try {
    const item = await getJson(cfg.contributionUrl + id);
    const at = L.latLng(item.anchor[1], item.anchor[0]);
    if (focus) map.setView(at, Math.max(map.getZoom(), cfg.streetZoom), { animate: false });
    if (pin) {
      map.removeLayer(pin);
      pin = null;
    }
    if (item.geometry && item.geometry.type !== "Point") {
      // a route or a zone: drawn while its sheet is open
      pin = L.geoJSON(item.geometry, { style: { color: item.theme_color, weight: 5, fillOpacity: 0.25 } }).addTo(map);
    }
    $("cc-sheet-title").textContent = item.title;
    $("cc-summary").replaceChildren(card(item, thanks));
    reveal(at);
  } catch (error) {
    $("cc-summary").replaceChildren(el("p", { class: "field-errors" }, [error.message]));
  }
}
function reveal(at) {
  // Keep the idea's marker, or the whole route or zone, in sight above the bottom sheet.
  const top = $("cc-sheet").getBoundingClientRect().top - map.getContainer().getBoundingClientRect().top;
  const size = map.getSize();
  const visible = Math.min(size.y, top);
  if (pin) {
    const bounds = pin.getBounds();
    const ne = map.latLngToContainerPoint(bounds.getNorthEast());
    const sw = map.latLngToContainerPoint(bounds.getSouthWest());
    if (ne.y < 12 || sw.y > visible - 12 || sw.x < 12 || ne.x > size.x - 12) {
      // Centred in the part left visible, zoomed out when it does not fit, but not below the street zoom.
      const fit = map.getBoundsZoom(bounds, false, L.point(48, size.y - visible + 48));
      const zoom = Math.max(cfg.streetZoom, Math.min(map.getZoom(), fit));
      const middle = map.project(bounds.getCenter(), zoom).add([0, (size.y - visible) / 2]);
      map.setView(map.unproject(middle, zoom), zoom);
    }
    return;
  }
  const point = map.latLngToContainerPoint(at);
  if (point.y > visible - 30 || point.y < 30) map.panBy([0, point.y - visible / 2]);
}
function tally(item) {
  if (item.votes.support != null) return (item.votes.support > 1 ? t("%(n)s soutiens", { n: nf(item.votes.support) }) : t("%(n)s soutien", { n: nf(item.votes.support) }));
  return t("%(agree)s d'accord · %(disagree)s pas d'accord", { agree: item.votes.agree, disagree: item.votes.disagree });
}
function card(item, thanks) {
  const body = item.body.length > 220 ? `${item.body.slice(0, 220)}…` : item.body;
  const th = theme(item.theme);
  const swatch = el("span", { class: "cc-zone-symbol", "aria-hidden": "true" }, [th.symbol]);
  swatch.style.background = item.theme_color;
  const comments = (item.comments > 1 ? t("%(n)s commentaires", { n: nf(item.comments) }) : t("%(n)s commentaire", { n: nf(item.comments) }));
  return el("div", {}, [
    thanks ? el("p", { class: "flash flash-success", role: "status" }, [thanks]) : null,
    el("p", { class: "cc-theme" }, [swatch, item.theme_label]),
    item.status === "pending" ? el("p", {}, [el("span", { class: "badge cc-badge-pending" }, [t("En attente de validation")])]) : null,
    item.outcome_label ? el("p", {}, [el("span", { class: "badge cc-outcome" }, [t("Suite : %(outcome)s", { outcome: item.outcome_label })])]) : null,
    item.photos.length ? el("img", { class: "cc-sheet-photo", src: item.photos[0].thumb_url, alt: "" }) : null,
    body ? el("p", { class: "cc-body" }, [body]) : null,
    el("p", { class: "meta", id: "cc-tally" }, [`${tally(item)} · ${comments}`]),
    el("p", { class: "meta" }, [(item.author || item.source_label) + (item.commune ? ` · ${item.commune}` : "")]),
    quickVotes(item),
    el("p", {}, [el("a", { class: "button", href: item.url }, [t("Voir l'idée, voter et commenter")])]),
  ]);
}
function quickVotes(item) {
  if (!cfg.voteOpen || !cfg.signedIn || item.status !== "published") return null;
  const values = cfg.votingMode === "support" ? [[1, t("Je soutiens")]] : [[1, t("D'accord")], [-1, t("Pas d'accord")]];
  return el(
    "div",
    { class: "cc-vote-buttons" },
    values.map(([value, label]) => {
      const kind = value === 1 ? "cc-vote-agree" : "cc-vote-disagree";
      const button = el("button", { type: "button", class: `button cc-vote ${kind}`, "aria-pressed": String(item.my_vote === value) }, [label]);
      button.addEventListener("click", async () => {
        const again = item.my_vote === value;
        try {
          const answer = await api(`${cfg.contributionUrl}${item.id}/vote`, again ? { method: "DELETE" } : { method: "POST", json: { value } });
          item.votes = answer.votes;
          item.my_vote = answer.my_vote;
          summary(item.id, false, t("Votre vote est enregistré."));
          load({ force: true });
        } catch (error) {
          toast(error.message, { kind: "error" });
        }
      });
      return button;
    }),
  );
}

/* --- proposing: crosshair, geolocation ---------------------------------------------------------- */
// A route or a zone is drawn with the same crosshair: each « Ajouter ce point » adds the point under it.
const sketch = { points: [], layer: null };
const HELP = {
  point: t("Déplacez la carte pour mettre le viseur sur le lieu de votre idée."),
  line: t("Viseur sur chaque étape du trajet, du départ à l'arrivée, puis « Ajouter ce point »."),
  polygon: t("Viseur sur chaque coin de la zone, puis « Ajouter ce point »."),
};
const MIN_POINTS = { point: 0, line: 2, polygon: 3 };
const DONE = { point: t("Valider ce lieu"), line: t("Terminer le trajet"), polygon: t("Terminer la zone") };
const CHOSEN = {
  point: t("Lieu choisi au centre de la carte."),
  line: t("Trajet tracé sur la carte."),
  polygon: t("Zone tracée sur la carte."),
};
function kind() {
  return document.querySelector('input[name="cc-kind"]:checked')?.value || "point";
}
function clearSketch() {
  if (sketch.layer) map.removeLayer(sketch.layer);
  sketch.layer = null;
  sketch.points = [];
}
function refreshSketch() {
  const k = kind();
  const n = sketch.points.length;
  const drawing = k !== "point";
  const missing = MIN_POINTS[k] - n;
  if (sketch.layer) map.removeLayer(sketch.layer);
  sketch.layer = null;
  if (n) {
    const line = { color: "#1b1f24", weight: 4, dashArray: "8 6", fillColor: "#f2b134", fillOpacity: 0.3 };
    const shape = k === "polygon" && n > 2 ? L.polygon(sketch.points, line) : L.polyline(sketch.points, line);
    const dots = sketch.points.map((p) => L.circleMarker(p, { radius: 6, color: "#1b1f24", weight: 2, fillColor: "#fff", fillOpacity: 1 }));
    sketch.layer = L.featureGroup([shape, ...dots]).addTo(map);
  }
  let help = HELP[k];
  if (drawing) {
    if (n) help += ` ${(n > 1 ? t("%(n)s points placés.", { n: nf(n) }) : t("%(n)s point placé.", { n: nf(n) }))}`;
    if (missing > 0) help += ` ${t("Encore %(n)s au moins.", { n: missing })}`;
  }
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
  const top = map.getContainer().getBoundingClientRect().top;
  const visible = Math.min(map.getSize().y, $("cc-place").getBoundingClientRect().top - top);
  $("cc-crosshair").style.top = `${Math.max(24, Math.round(visible / 2))}px`;
}
function aim() {
  const box = $("cc-crosshair").getBoundingClientRect();
  const top = map.getContainer().getBoundingClientRect();
  return map.containerPointToLatLng([box.left + box.width / 2 - top.left, box.top + box.height / 2 - top.top]);
}
function addPoint() {
  map.stop(); // a tap while the map still glides places the point there, and the map stays on it
  const c = aim();
  const last = sketch.points[sketch.points.length - 1];
  if (last && map.latLngToContainerPoint(last).distanceTo(map.latLngToContainerPoint(c)) < 8) {
    $("cc-place-help").textContent = t("Déplacez d'abord la carte : ce point est déjà placé.");
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
  if (on) {
    closeSheet();
    refreshSketch();
    aimCrosshair();
    if (map.getZoom() < cfg.streetZoom) map.setZoom(cfg.streetZoom);
    $("cc-place-help").focus();
  }
}
function propose() {
  if (!cfg.confirmed) {
    toast(t("Confirmez d'abord votre adresse e-mail (lien reçu par courriel) pour proposer une idée."), { kind: "error" });
    return;
  }
  placing(true);
}
function locate() {
  if (!navigator.geolocation) {
    toast(t("La géolocalisation n'est pas disponible sur cet appareil : déplacez la carte à la main."), { kind: "error" });
    return;
  }
  const searching = toast(t("Recherche de votre position…"));
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      searching();
      const here = L.latLng(pos.coords.latitude, pos.coords.longitude);
      map.setView(here, 18);
      if (home && !home.contains(here)) {
        flagOutside();
        return;
      }
      toast(t("Position trouvée : ajustez le viseur si besoin."));
    },
    (error) => {
      searching();
      const refused = t("La localisation est refusée. Pour l'autoriser, touchez le cadenas à côté de l'adresse du site, puis « Autorisations » et « Position », et réessayez.");
      toast(error.code === 1 ? refused : t("Position introuvable : déplacez la carte à la main."), { kind: "error" });
    },
    { enableHighAccuracy: true, timeout: 10000 },
  );
}
// A position outside the consultation's area is flagged at once, with the way back.
function flagOutside() {
  const back = el("button", { type: "button", class: "button secondary cc-back-home" }, [t("Revenir au quartier")]);
  const close = toast(
    el("span", {}, [t("Vous êtes hors du quartier de la concertation : les idées portent sur son périmètre."), " ", back]),
    { kind: "error", seconds: 20 },
  );
  back.addEventListener("click", () => {
    close();
    map.fitBounds(home);
  });
}
function placedPin(draft) {
  if (draft.geometry) {
    const shape = JSON.parse(draft.geometry);
    return L.geoJSON(shape, { style: { color: "#1b1f24", weight: 4, dashArray: "8 6", fillColor: "#f2b134", fillOpacity: 0.3 } });
  }
  return L.circleMarker([+draft.lat, +draft.lon], { radius: 9, color: "#1b1f24", weight: 3, fillColor: "#f2b134", fillOpacity: 1 });
}
function confirmPlace() {
  map.stop();
  const k = kind();
  const c = aim();
  let geometry = "";
  if (k !== "point") {
    const coords = sketch.points.map((p) => [+p.lng.toFixed(6), +p.lat.toFixed(6)]);
    geometry = JSON.stringify(k === "line" ? { type: "LineString", coordinates: coords } : { type: "Polygon", coordinates: [[...coords, coords[0]]] });
  }
  $("cc-lon").value = k === "point" ? c.lng.toFixed(6) : "";
  $("cc-lat").value = k === "point" ? c.lat.toFixed(6) : "";
  $("cc-geometry").value = geometry;
  $("cc-place-what").textContent = CHOSEN[k];
  placing(false);
  showForm();
  remember();
}
function showForm() {
  if (pin) map.removeLayer(pin);
  pin = placedPin({ geometry: $("cc-geometry").value, lon: $("cc-lon").value, lat: $("cc-lat").value }).addTo(map);
  openSheet(t("Proposer une idée"), true);
  $("cc-theme").focus();
}

/* --- the form: photos, draft kept on the phone, sending retried with the same Idempotency-Key --- */
let photos = []; // Blobs, at most MAX_PHOTOS
let draftKey = null; // the Idempotency-Key of this idea, kept until the server has answered it
let sending = false;
let retryTimer = null;
let saveTimer = null; // the draft is saved 400 ms after the last keystroke

/** The idea leaves the phone (sent, or abandoned): no draft, no pending save, an empty form and place. */
async function clearDraft() {
  clearTimeout(retryTimer);
  clearTimeout(saveTimer); // a save still waiting would bring the sent idea back as a draft
  sending = false;
  draftKey = null;
  photos = [];
  await forgetDraft(cfg.slug);
  const form = $("cc-form");
  form.reset();
  for (const id of ["cc-lon", "cc-lat", "cc-geometry"]) $(id).value = ""; // hidden: reset() keeps them
  showErrors({});
  showPhotos();
}

function showErrors(fields) {
  for (const name of ["geometry", "theme", "title", "body", "photos"]) {
    const box = $(`cc-error-${name}`);
    const input = $(`cc-${name}`);
    const message = (fields[name] || [])[0] || "";
    box.textContent = message;
    if (name === "geometry") box.hidden = !message;
    if (input) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }
}
function shrink(file) {
  // Phone photos are large: send at most 1600 px (the server re-encodes anyway) to save mobile data.
  if (!window.createImageBitmap || file.size < 600000 || !/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(file);
  return createImageBitmap(file, { imageOrientation: "from-image" })
    .then((img) => {
      const s = Math.min(1, 1600 / Math.max(img.width, img.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * s);
      canvas.height = Math.round(img.height * s);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise((done) => {
        canvas.toBlob((blob) => done(blob && blob.size < file.size ? new File([blob], "photo.jpg", { type: "image/jpeg" }) : file), "image/jpeg", 0.85);
      });
    })
    .catch(() => file);
}
function readDataUrl(blob) {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => resolve("");
    reader.readAsDataURL(blob);
  });
}
async function showPhotos() {
  const box = $("cc-photo-previews");
  if (!box) return;
  const items = await Promise.all(
    photos.map(async (photo, i) => {
      const remove = el("button", { type: "button", class: "button secondary cc-photo-remove" }, [t("Retirer la photo %(n)s", { n: i + 1 })]);
      remove.addEventListener("click", () => {
        photos.splice(i, 1);
        showPhotos();
        remember();
        ($("cc-camera-button") || $("cc-photos")).focus();
      });
      return el("li", {}, [el("img", { src: await readDataUrl(photo), alt: t("Photo %(n)s", { n: i + 1 }), class: "cc-photo-thumb" }), remove]);
    }),
  );
  box.replaceChildren(...items);
  if ($("cc-camera-button")) $("cc-camera-button").disabled = photos.length >= MAX_PHOTOS;
}
async function addPhotos(input) {
  const files = Array.from(input.files || []);
  input.value = "";
  if (photos.length + files.length > MAX_PHOTOS) {
    showErrors({ photos: [t("3 photos au maximum.")] });
    return;
  }
  showErrors({});
  photos = photos.concat(await Promise.all(files.map(shrink)));
  await showPhotos();
  remember();
}
function currentDraft() {
  const form = $("cc-form");
  return {
    slug: cfg.slug,
    key: draftKey,
    lon: $("cc-lon").value,
    lat: $("cc-lat").value,
    geometry: $("cc-geometry").value,
    place: $("cc-place-what").textContent,
    theme: form.elements.theme.value,
    title: form.elements.title.value,
    body: form.elements.body.value,
    photos,
    sending,
  };
}
function remember() {
  if (!$("cc-form") || (!$("cc-lon").value && !$("cc-geometry").value)) return Promise.resolve();
  return saveDraft(currentDraft());
}
async function restore() {
  const draft = await loadDraft(cfg.slug);
  if (!draft || (!draft.lon && !draft.geometry)) return;
  $("cc-lon").value = draft.lon || "";
  $("cc-lat").value = draft.lat || "";
  $("cc-geometry").value = draft.geometry || "";
  if (draft.place) $("cc-place-what").textContent = draft.place;
  const form = $("cc-form");
  form.elements.theme.value = draft.theme || "";
  form.elements.title.value = draft.title || "";
  form.elements.body.value = draft.body || "";
  photos = draft.photos || [];
  draftKey = draft.key || null;
  await showPhotos();
  showForm();
  if (draft.sending) {
    toast(t("Votre idée n'était pas encore partie : elle est envoyée dès que la connexion le permet."));
    send();
  } else {
    toast(t("Votre brouillon a été retrouvé sur ce téléphone."));
  }
}
function waitForNetwork() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(send, navigator.onLine ? 8000 : 30000);
}
async function send() {
  if (sending === "now") return;
  clearTimeout(retryTimer);
  const form = $("cc-form");
  const button = $("cc-submit");
  draftKey = draftKey || newKey("idea");
  sending = true;
  await remember(); // the key is on the phone before anything leaves it
  sending = "now";
  button.disabled = true;
  showErrors({});
  const data = new FormData(form);
  data.delete("photos");
  data.delete("camera");
  photos.forEach((p, i) => data.append("photos", p, p.name || `photo-${i + 1}.jpg`));
  try {
    const item = await api(form.action, { method: "POST", body: data, idempotencyKey: draftKey });
    await clearDraft();
    closeSheet();
    map.setView([item.anchor[1], item.anchor[0]], Math.max(map.getZoom(), cfg.streetZoom));
    load({ force: true });
    summary(
      item.id,
      false,
      item.status === "pending"
        ? t("Merci ! Votre idée est enregistrée : elle sera visible par tous après validation.")
        : t("Merci ! Votre idée est publiée sur la carte."),
    );
  } catch (error) {
    if (error instanceof ApiError && error.retryable) {
      // Kept on the phone with its key: sent again by itself, never twice (the server replays).
      sending = true;
      await remember();
      toast(t("Pas de connexion : votre idée est gardée sur ce téléphone et partira toute seule dès le retour du réseau."), { kind: "error" });
      say(t("Idée en attente d'envoi : elle partira dès le retour du réseau."));
      waitForNetwork();
      return;
    }
    sending = false;
    await remember();
    let fields = error.fields || {};
    if (!Object.keys(fields).length) fields = { geometry: [error.message] };
    showErrors(fields);
    (fields.geometry ? $("cc-error-geometry") : form.querySelector("[aria-invalid=true]") || $("cc-error-geometry")).focus();
  } finally {
    button.disabled = false;
  }
}
function submit(event) {
  event.preventDefault();
  send();
}

function bindForm() {
  const form = $("cc-form");
  $("cc-form").addEventListener("submit", submit);
  $("cc-photos").addEventListener("change", () => addPhotos($("cc-photos")));
  if ($("cc-camera")) {
    $("cc-camera").addEventListener("change", () => addPhotos($("cc-camera")));
    $("cc-camera-button").hidden = false;
    $("cc-camera-button").addEventListener("click", () => $("cc-camera").click());
  }
  $("cc-discard")?.addEventListener("click", async () => {
    // The draft leaves the phone (text, place, photos); a send in progress is not abandoned.
    if (sending === "now") return;
    await clearDraft();
    closeSheet();
    toast(t("Idée abandonnée : le brouillon est effacé de ce téléphone."));
    $("cc-propose")?.focus();
  });
  form.addEventListener("input", () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(remember, 400);
  });
  window.addEventListener("online", () => {
    if (sending === true) send();
  });
  restore();
}

function bind() {
  $("cc-filters").addEventListener("change", () => load());
  $("cc-zone")?.addEventListener("toggle", () => {
    if ($("cc-zone").open) fetchTitles();
  });
  $("cc-close").addEventListener("click", closeSheet);
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    closeSheet();
    if (!$("cc-place").hidden) placing(false);
  });
  if (!$("cc-propose")) return;
  $("cc-propose").addEventListener("click", propose);
  $("cc-cancel").addEventListener("click", () => placing(false));
  $("cc-locate").addEventListener("click", locate);
  $("cc-confirm").addEventListener("click", confirmPlace);
  $("cc-add-vertex").addEventListener("click", addPoint);
  $("cc-undo-vertex").addEventListener("click", () => {
    sketch.points.pop();
    refreshSketch();
  });
  $("cc-kinds")?.addEventListener("change", () => {
    clearSketch();
    refreshSketch();
    aimCrosshair();
  });
  window.addEventListener("resize", () => {
    if (!$("cc-place").hidden) aimCrosshair();
  });
  $("cc-replace").addEventListener("click", () => placing(true));
  $("cc-place-help").setAttribute("tabindex", "-1");
  $("cc-error-geometry").setAttribute("tabindex", "-1");
  bindForm();
}

function labelZoomButtons() {
  // Leaflet's own zoom buttons, found in the control's public container (no private fields).
  const box = map.zoomControl?.getContainer();
  if (!box) return;
  for (const [selector, label] of [
    [".leaflet-control-zoom-in", t("Zoomer")],
    [".leaflet-control-zoom-out", t("Dézoomer")],
  ]) {
    const button = box.querySelector(selector);
    if (button) {
      button.title = label;
      button.setAttribute("aria-label", label);
    }
  }
}

function start(leafletMap) {
  map = leafletMap;
  home = map.getBounds();
  window.CarteCommune.map = map; // for the browser tests and the console
  layer = L.layerGroup().addTo(map);
  labelZoomButtons();
  map.on("moveend", () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });
  bind();
  load();
  if (cfg.focus) summary(cfg.focus, true);
}

// folium's inline script has created the map before this module runs (modules run after parsing).
window.CarteCommune = window.CarteCommune || {};
if (window.CarteCommune.map) start(window.CarteCommune.map);
