"""The resident map page: a folium map (local Leaflet), the perimeter, and our own small script."""

import folium
from branca.element import MacroElement
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import Template

from app.consultations import queries as consultation_queries
from app.contributions import queries
from app.maps.builders import base_map
from app.templating import url_if

DEFAULT_STREET_ZOOM = 16
# Themes are told apart by a symbol as well as a colour (WCAG 1.4.1), in the themes' order.
THEME_SYMBOLS = (
    "●", "▲", "■", "◆", "★", "✚", "▼", "✖", "♥", "♣", "♠", "☀", "☂", "✿", "⚑", "☎", "♪", "☘", "⚙", "✈",
)  # fmt: skip


def theme_symbol(index):
    """The symbol of the theme at this position (0-based) in the consultation's list."""
    return THEME_SYMBOLS[index % len(THEME_SYMBOLS)]


class ContributionsLayer(MacroElement):
    """Hands this map to static/js/contributions-map.js (an ES module: it runs after this script), and
    asks for the ideas of its first view at once, while the page is still being parsed: the module
    uses that answer when it asks for the same URL (a slow phone saves a round trip)."""

    _name = "ContributionsLayer"
    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function (map) {"
        " var b = map.getBounds().pad(0.15);"
        " var box = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -85),"
        " Math.min(b.getEast(), 180), Math.min(b.getNorth(), 85)];"
        " var url = {{ this.map_url|tojson }} + '?' + new URLSearchParams({"
        " bbox: box.map(function (n) { return n.toFixed(5); }).join(','), zoom: String(Math.round(map.getZoom())) });"
        " window.CarteCommune = { map: map, firstUrl: url,"
        " firstData: fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }) };"
        "})({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, map_url):
        super().__init__()
        self.map_url = map_url


class FitBoundsAtOnce(MacroElement):
    """Frames the perimeter without the opening zoom animation: the map's first view is its final one,
    so that the ideas are asked for once (an animated fit ends with a second « moveend »)."""

    _name = "FitBoundsAtOnce"
    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {animate: false});"
        "{% endmacro %}"
    )

    def __init__(self, bounds):
        super().__init__()
        self.bounds = bounds


def street_zoom():
    """The zoom from which the map endpoint sends single contributions (the maps feature's constant)."""
    try:
        from app.maps.queries import STREET_ZOOM
    except ImportError:
        return DEFAULT_STREET_ZOOM
    return STREET_ZOOM


def build_map(consultation):
    """The folium map of a consultation: perimeter, then our contributions layer."""
    fmap = base_map()
    bounds = consultation_queries.consultation_extent(consultation.id)
    if bounds:
        FitBoundsAtOnce(bounds).add_to(fmap)
    folium.GeoJson(
        queries.consultation_perimeter(consultation.id),
        name=_("Périmètre"),
        style_function=lambda feature: {
            "color": "#1d4e89",
            "weight": 2,
            "fillOpacity": 0.05,
            "dashArray": "6 4",
        },
    ).add_to(fmap)
    ContributionsLayer(f"/api/consultations/{consultation.slug}/map").add_to(fmap)
    return fmap


def map_config(consultation, focus_id=None):
    """What the map script needs, embedded as JSON in the page."""
    signed_in = current_user.is_authenticated
    login_url = url_if(
        "accounts.login", next=url_for("contributions.consultation_map", slug=consultation.slug)
    )
    return {
        "slug": consultation.slug,
        "mapUrl": f"/api/consultations/{consultation.slug}/map",
        "contributionUrl": "/api/contributions/",
        "titlesUrl": f"/api/consultations/{consultation.slug}/contributions/titles",
        "newUrl": url_for("contributions.new", slug=consultation.slug),
        "streetZoom": street_zoom(),
        "themes": {
            t.slug: {"label": t.label, "color": t.color, "symbol": theme_symbol(i)}
            for i, t in enumerate(consultation.themes)
        },
        "votingMode": consultation.voting_mode,
        "open": consultation.allows("propose"),
        "voteOpen": consultation.allows("vote"),
        "signedIn": signed_in,
        "confirmed": bool(signed_in and current_user.confirmed_at is not None),
        "loginUrl": login_url,
        "focus": focus_id,
    }
