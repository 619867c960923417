// Restitution map: ideas coloured by the outcome group; data from our own GeoJSON endpoint.
// Titles go through textContent / Leaflet's setContent with a DOM node: never parsed as HTML.
import { getJson } from "./api.js";
import { t } from "./i18n.js";

function main() {
  var COLORS = { retenue: "#1b7a3a", a_l_etude: "#b35c00", non_retenue: "#8a1c1c", sans_reponse: "#5b6470" };
  var LABELS = { retenue: t("Retenue"), a_l_etude: t("À l'étude"), non_retenue: t("Non retenue"), sans_reponse: t("En attente de réponse") };

  function popup(props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/idees/" + encodeURIComponent(props.id);
    link.textContent = props.title;
    var label = document.createElement("p");
    label.textContent = LABELS[props.group] || "";
    box.appendChild(link);
    box.appendChild(label);
    return box;
  }

  function start() {
    var el = document.getElementById("restitution-map");
    if (!el || !window.L) return;
    var map = L.map(el, { maxZoom: 18, scrollWheelZoom: false });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
    }
    getJson(el.dataset.url)
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var color = COLORS[feature.properties.group] || COLORS.sans_reponse;
            return L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 1, fillColor: color, fillOpacity: 0.9 });
          },
          onEachFeature: function (feature, marker) { marker.bindPopup(popup(feature.properties)); }
        }).addTo(map);
        if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 16 });
        else map.setView([50.43, 2.83], 12);
        el.dataset.ready = String(data.features.length);
      })
      .catch(function () { el.dataset.ready = "error"; });
  }
  start(); // a module runs once the document is parsed
}

main();
