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


class ContributionsLayer(MacroElement):
    """Starts static/js/contributions-map.js on this map once folium has created it."""

    _name = "ContributionsLayer"
    _template = Template(
        "{% macro script(this, kwargs) %}"
        "if (window.CarteCommune) { CarteCommune.start({{ this._parent.get_name() }}); }"
        "{% endmacro %}"
    )


def street_zoom():
    """The zoom from which the map endpoint sends single contributions (the maps feature's constant)."""
    try:
        from app.maps.queries import STREET_ZOOM
    except ImportError:
        return DEFAULT_STREET_ZOOM
    return STREET_ZOOM


def build_map(consultation):
    """The folium map of a consultation: perimeter, then our contributions layer."""
    fmap = base_map(bounds=consultation_queries.consultation_extent(consultation.id))
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
    ContributionsLayer().add_to(fmap)
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
        "newUrl": url_for("contributions.new", slug=consultation.slug),
        "streetZoom": street_zoom(),
        "themes": {t.slug: {"label": t.label, "color": t.color} for t in consultation.themes},
        "votingMode": consultation.voting_mode,
        "open": consultation.allows("propose"),
        "voteOpen": consultation.allows("vote"),
        "signedIn": signed_in,
        "confirmed": bool(signed_in and current_user.confirmed_at is not None),
        "loginUrl": login_url,
        "focus": focus_id,
    }
