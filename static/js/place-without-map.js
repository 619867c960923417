/* Carte Commune: placing an idea without the map, by address (ARIA combobox) or « Je suis ici ».
   The chosen place opens the form at ?lon=…&lat=…; the server flags a place outside the perimeter. */
import { getJson } from "./api.js";
import { t } from "./i18n.js";

const root = document.getElementById("cc-place");
if (root) start(root);

function start(root) {
  var formUrl = root.dataset.formUrl;

  function go(lon, lat, name) {
    var params = new URLSearchParams({ lon: lon.toFixed(6), lat: lat.toFixed(6) });
    if (name) { params.set("lieu", name); }
    window.location.assign(formUrl + "?" + params.toString());
  }

  // --- address combobox (WAI-ARIA APG « combobox with listbox popup ») ---
  var box = document.getElementById("cc-address");
  var input = document.getElementById("cc-address-input");
  var list = document.getElementById("cc-address-list");
  var status = document.getElementById("cc-address-status");
  var results = [], active = -1, timer = null, asked = 0;
  box.hidden = false;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    options.forEach(function (li, i) { li.classList.toggle("cc-active", i === index); });
    active = index;
    if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
    input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  }

  function choose(index) {
    var r = results[index];
    if (!r) { return; }
    if (!r.inside) {
      status.textContent = t("%(address)s : %(reason)s. Choisissez une autre adresse.", { address: r.label, reason: r.reason });
      return;
    }
    input.value = r.label;
    close();
    go(r.lon, r.lat, r.label);
  }

  function show(data) {
    results = data.results || [];
    list.replaceChildren();
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.id = "cc-address-option-" + i;
      li.setAttribute("role", "option");
      li.className = "cc-address-option" + (r.inside ? "" : " cc-outside");
      li.textContent = r.label;
      if (!r.inside) {
        li.setAttribute("aria-disabled", "true");
        var why = document.createElement("span");
        why.className = "cc-reason";
        why.textContent = " (" + r.reason + ")";
        li.appendChild(why);
      }
      li.addEventListener("mousedown", function (e) { e.preventDefault(); });
      li.addEventListener("click", function () { choose(i); });
      list.appendChild(li);
    });
    var open = results.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    active = -1;
    input.removeAttribute("aria-activedescendant");
    status.textContent = data.message || (results.length > 1 ? t("%(n)s adresses trouvées", { n: results.length }) : t("%(n)s adresse trouvée", { n: results.length }));
  }

  function search() {
    var q = input.value.trim();
    if (q.length < 3) { close(); status.textContent = ""; return; }
    var mine = ++asked;
    getJson(root.dataset.searchUrl + "?" + new URLSearchParams({ q: q }).toString()).then(function (data) {
      if (mine === asked) { show(data); }
    }).catch(function () {
      if (mine === asked) {
        show({ results: [], message: t("La recherche d'adresse ne répond pas : placez votre idée sur la carte.") });
      }
    });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  input.addEventListener("keydown", function (e) {
    var open = !list.hidden && results.length > 0;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (open) { highlight(active < results.length - 1 ? active + 1 : 0); }
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (open) { highlight(active > 0 ? active - 1 : results.length - 1); }
    } else if (e.key === "Enter") {
      if (open && active >= 0) { e.preventDefault(); choose(active); }
    } else if (e.key === "Escape") {
      if (open) { e.preventDefault(); close(); } else { input.value = ""; }
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });

  // --- « Je suis ici » ---
  var here = document.getElementById("cc-here");
  var hereStatus = document.getElementById("cc-here-status");
  if (!("geolocation" in navigator)) { return; }
  document.getElementById("cc-here-wrap").hidden = false;
  here.addEventListener("click", function () {
    hereStatus.textContent = t("Recherche de votre position…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      go(pos.coords.longitude, pos.coords.latitude, t("votre position"));
    }, function (error) {
      if (error.code === 1) {
        hereStatus.textContent = t("La localisation est refusée. Pour l'autoriser, touchez le cadenas à côté de l'adresse du site, puis « Autorisations » et « Position », et réessayez.");
      } else {
        hereStatus.textContent = t("Votre position n'est pas disponible pour le moment : choisissez une adresse ou un lieu repère.");
      }
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });
}
