"""folium map builders. Leaflet comes from our own static route, never from a CDN."""

import re

import folium
from flask import current_app, url_for
from folium.template import Template

from app.security import add_nonce

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


# folium's GeoJsonTooltip/GeoJsonPopup write feature properties with innerHTML (stored XSS with user
# text): the same table, built with DOM nodes and textContent, so every value stays text.
_SAFE_DETAIL = """
    function(layer){
    let div = L.DomUtil.create('div');
    let fields = {{ this.fields | tojson }};
    let aliases = {{ this.aliases | tojson }};
    let show = value => value === null || value === undefined ? '' :
        (typeof value === 'object' ? JSON.stringify(value) : String(value));
    let table = L.DomUtil.create('table', '', div);
    fields.forEach((field, i) => {
        let row = L.DomUtil.create('tr', '', table);
        {% if this.labels %}L.DomUtil.create('th', '', row).textContent = show(aliases[i]);{% endif %}
        L.DomUtil.create('td', '', row).textContent = show(layer.feature.properties[field]);
    });
    return div;
    }
"""


class SafeGeoJsonTooltip(folium.GeoJsonTooltip):
    """GeoJsonTooltip whose values are text, never HTML."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.bindTooltip("
        + _SAFE_DETAIL
        + ",{{ this.tooltip_options | tojavascript }});{% endmacro %}"
    )


class SafeGeoJsonPopup(folium.GeoJsonPopup):
    """GeoJsonPopup whose values are text, never HTML."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.bindPopup("
        + _SAFE_DETAIL
        + ",{{ this.popup_options | tojavascript }});{% endmacro %}"
    )


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
    # Its <script>/<style> tags get this request's CSP nonce; the templates give theirs to `script`.
    header = add_nonce(_VIEWPORT_META.sub("", root.header.render()))
    body = root.html.render()
    script = root.script.render()
    return {"header": header, "html": body, "script": script}
