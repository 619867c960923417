"""The consultation page's map: perimeter, buffer and extent read together, the buffer computed once."""

import json
import re

from sqlalchemy import text

from app.extensions import db


def _geojson_layers(html):
    """The GeoJSON geometries the page's map script draws, in order."""
    collections = [json.loads(m) for m in re.findall(r"_add\((\{.*\})\);", html)]
    return [feature["geometry"] for collection in collections for feature in collection["features"]]


def test_the_page_map_reads_the_perimeter_once(client, make_consultation, count_queries):
    consultation = make_consultation()
    client.get(f"/consultations/{consultation.slug}")
    with count_queries() as statements:
        html = client.get(f"/consultations/{consultation.slug}").get_data(as_text=True)
    shapes = [s for s in statements if "ST_AsGeoJSON" in s or "ST_Buffer" in s]
    assert len(shapes) == 1 and shapes[0].count("ST_Buffer") == 1, shapes
    perimeter, buffered, south, west, north, east = db.session.execute(
        text(
            "SELECT ST_AsGeoJSON(geom, 6)::json, ST_AsGeoJSON(ST_Buffer(geom::geography, buffer_m)::geometry, 6)::json,"
            " ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e) FROM consultations,"
            " ST_Envelope(ST_Buffer(geom::geography, buffer_m)::geometry) e WHERE id = :id"
        ),
        {"id": consultation.id},
    ).one()
    layers = _geojson_layers(html)
    assert buffered in layers and perimeter in layers
    assert layers.index(buffered) < layers.index(perimeter)  # the margin under the perimeter
    bounds = re.search(r"fitBounds\(\s*(\[\[.*?\]\])", html, re.S).group(1)
    assert json.loads(bounds) == [[south, west], [north, east]]
