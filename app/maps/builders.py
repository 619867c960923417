"""folium map builders. Leaflet comes from our own static route, never from a CDN."""

import re

import folium
from flask import current_app, url_for

_VIEWPORT_META = re.compile(r"<meta\s+name=\"viewport\"[^>]*>", re.S)


class LocalMap(folium.Map):
    """folium.Map whose JS/CSS are our local Leaflet only (no jQuery, Bootstrap, icon fonts)."""

    default_js = []
    default_css = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Instance-level lists: never mutate folium's class attributes (shared across maps).
        self.default_js = [("leaflet", url_for("maps.leaflet_asset", filename="leaflet.js"))]
        self.default_css = [("leaflet_css", url_for("maps.leaflet_asset", filename="leaflet.css"))]


def base_map(bounds=None, location=None, zoom_start=13, **options):
    """A LocalMap with the configured tile layer (none in tests: no network)."""
    tiles_url = current_app.config.get("MAP_TILES_URL")
    fmap = LocalMap(
        location=location or [50.43, 2.83],
        zoom_start=zoom_start,
        tiles=None,
        max_zoom=19,
        control_scale=True,
        prefer_canvas=True,
        **options,
    )
    if tiles_url:
        folium.TileLayer(
            tiles=tiles_url,
            attr=current_app.config["MAP_TILES_ATTRIBUTION"],
            name="Plan",
            max_zoom=19,
        ).add_to(fmap)
    if bounds:
        fmap.fit_bounds(bounds)
    return fmap


def map_html_parts(fmap):
    """The (header, body, script) HTML of a folium map, to embed in our own page templates."""
    root = fmap.get_root()
    root.render()
    # folium adds its own viewport meta with user-scalable=no: our pages keep theirs (zoom allowed).
    header = _VIEWPORT_META.sub("", root.header.render())
    body = root.html.render()
    script = root.script.render()
    return {"header": header, "html": body, "script": script}
