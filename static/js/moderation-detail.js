/* Contribution page in the back office: a click on the map moves the point (fills longitude/latitude). */

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

main();
