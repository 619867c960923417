/* Contribution page in the back office: a click on the map moves the point (fills longitude/latitude);
   keyboard shortcuts press the buttons that carry data-shortcut (v: « Vu, rien à signaler »). */

function shortcuts() {
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(event.target.tagName)) { return; }
    var button = document.querySelector('[data-shortcut="' + event.key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });
}

function main() {
  var frame = document.querySelector("[data-map]");
  var lon = document.querySelector("[data-lon]");
  var lat = document.querySelector("[data-lat]");
  if (!frame || !lon || !lat) { return; }
  var map = window[frame.dataset.map];
  var marker = window[frame.dataset.marker];
  if (!map || !marker) { return; }
  map.on("click", function (event) {
    marker.setLatLng(event.latlng);
    lon.value = event.latlng.lng.toFixed(6);
    lat.value = event.latlng.lat.toFixed(6);
    var details = lon.closest("details");
    if (details) { details.open = true; }
  });
}

shortcuts();
main();
