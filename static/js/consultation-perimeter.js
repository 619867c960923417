/* Back office: draw a consultation perimeter point by point on our Leaflet, and preview the perimeter that
   the form's choice gives (QPV, uploaded file or drawing) before saving. The server runs the same checks,
   union and buffer as a save and writes nothing. Text goes into the page with textContent only. */
(function () {
  "use strict";

  var tool = document.getElementById("perimeter-tool");
  var mapBox = document.getElementById("perimeter-map");
  if (!tool || !mapBox || !window.L) {
    return;
  }
  var form = tool.closest("form");
  var drawnInput = document.getElementById("perimeter_drawn");
  var status = document.getElementById("perimeter-status");
  var msg = tool.dataset;

  var map = L.map(mapBox, { scrollWheelZoom: false });
  var bounds = JSON.parse(mapBox.dataset.bounds || "null");
  if (bounds) {
    map.fitBounds(bounds);
  } else {
    map.setView([46.6, 2.5], 6);
  }
  if (mapBox.dataset.tiles) {
    L.tileLayer(mapBox.dataset.tiles, { maxZoom: 19, attribution: mapBox.dataset.attribution }).addTo(map);
  }

  var previewLayer = L.layerGroup().addTo(map);
  var vertices = L.layerGroup().addTo(map);
  var line = L.polyline([], { color: "#a4161a", weight: 2, dashArray: "4 4", interactive: false }).addTo(map);
  var shape = L.polygon([], { color: "#a4161a", weight: 2, fillOpacity: 0.1, interactive: false }).addTo(map);
  var points = [];
  var drawing = false;

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("field-error", Boolean(isError));
  }

  function setDrawing(on) {
    // While drawing, a quick second click places a vertex instead of zooming in.
    drawing = on;
    mapBox.classList.toggle("drawing", on);
    if (on) {
      map.doubleClickZoom.disable();
    } else {
      map.doubleClickZoom.enable();
    }
  }

  function redraw() {
    vertices.clearLayers();
    points.forEach(function (point) {
      L.circleMarker(point, { radius: 5, color: "#a4161a", fillOpacity: 0.9, interactive: false }).addTo(vertices);
    });
    line.setLatLngs(drawing ? points : []);
    shape.setLatLngs(drawing ? [] : points);
  }

  function round(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  function ringOf(list) {
    var ring = list.map(function (p) {
      return [round(p.lng), round(p.lat)];
    });
    ring.push(ring[0]);
    return ring;
  }

  function finish() {
    if (points.length < 3) {
      say(msg.msgNeedThree, true);
      return;
    }
    setDrawing(false);
    drawnInput.value = JSON.stringify({ type: "Polygon", coordinates: [ringOf(points)] });
    redraw();
    say(msg.msgDone);
  }

  function clear() {
    setDrawing(false);
    points = [];
    drawnInput.value = "";
    previewLayer.clearLayers();
    redraw();
    say(msg.msgCleared);
  }

  function restore() {
    // A form sent back with an error keeps its drawing.
    if (!drawnInput.value) {
      return;
    }
    try {
      var geometry = JSON.parse(drawnInput.value);
      var ring = geometry.coordinates[0].slice(0, -1);
      points = ring.map(function (c) {
        return L.latLng(c[1], c[0]);
      });
      redraw();
    } catch (error) {
      drawnInput.value = "";
    }
  }

  function showPreview(data) {
    previewLayer.clearLayers();
    L.geoJSON(data.buffer, { style: { color: "#6b7a8f", weight: 1, fillOpacity: 0.05 }, interactive: false }).addTo(
      previewLayer
    );
    L.geoJSON(data.perimeter, {
      style: { color: "#1d4e89", weight: 3, fillOpacity: 0.12, dashArray: "6 4" },
      interactive: false,
    }).addTo(previewLayer);
    map.fitBounds(data.bounds);
    mapBox.dataset.previewed = data.source;
    say(data.summary);
  }

  function preview() {
    var body = new FormData();
    body.append("csrf_token", form.elements.csrf_token.value);
    body.append("buffer_m", form.elements.buffer_m.value);
    Array.prototype.forEach.call(form.querySelectorAll("input[name=qpv_codes]:checked"), function (box) {
      body.append("qpv_codes", box.value);
    });
    var file = form.elements.perimeter_file;
    if (file && file.files.length) {
      body.append("perimeter_file", file.files[0]);
    }
    body.append("perimeter_drawn", drawnInput.value);
    say(msg.msgWaiting);
    fetch(tool.dataset.previewUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (answer) {
        if (answer.ok) {
          showPreview(answer.data);
        } else {
          previewLayer.clearLayers();
          delete mapBox.dataset.previewed;
          say((answer.data.error && answer.data.error.message) || msg.msgFailed, true);
        }
      })
      .catch(function () {
        say(msg.msgFailed, true);
      });
  }

  map.on("click", function (event) {
    if (!drawing) {
      return;
    }
    points.push(event.latlng);
    redraw();
    say(msg.msgPoints + " " + points.length);
  });

  tool.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) {
      return;
    }
    var action = button.dataset.action;
    if (action === "draw") {
      setDrawing(true);
      points = [];
      drawnInput.value = "";
      redraw();
      say(msg.msgStart);
    } else if (action === "undo") {
      points.pop();
      redraw();
      say(msg.msgPoints + " " + points.length);
    } else if (action === "finish") {
      finish();
    } else if (action === "clear") {
      clear();
    } else if (action === "preview") {
      if (drawing) {
        finish();
      }
      preview();
    }
  });

  restore();
})();
