"""Maps of the OGC API's HTML pages (folium, local Leaflet)."""

import folium
from flask_babel import gettext as _

from app.maps.builders import SafeGeoJsonTooltip, base_map, map_html_parts


def _bounds(row):
    return [[row.miny, row.minx], [row.maxy, row.maxx]]


def collection_map(row):
    """The collection's extent on a map."""
    fmap = base_map(bounds=_bounds(row))
    folium.Rectangle(_bounds(row), color="#1d4e89", weight=2, fill=False, tooltip=_("Emprise")).add_to(fmap)
    return map_html_parts(fmap)


def items_map(row, features):
    """The features of one page on a map."""
    fmap = base_map(bounds=_bounds(row))
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=_("Contributions"),
            marker=folium.CircleMarker(radius=6, color="#c8553d", fill=True, fill_opacity=0.8),
            tooltip=SafeGeoJsonTooltip(fields=["titre", "theme_libelle"], aliases=["", ""]),
        ).add_to(fmap)
    return map_html_parts(fmap)
