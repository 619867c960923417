"""The territory map page: communes and QPV."""

import folium
from flask import Blueprint, render_template
from flask_babel import gettext as _

from app.maps.builders import SafeGeoJsonPopup, SafeGeoJsonTooltip, base_map, map_html_parts
from app.territory import queries

bp = Blueprint("territory", __name__)


@bp.get("/territoire")
def territory_map():
    communes, qpv_perimeters, bounds = queries.territory_geojson()
    fmap = base_map(bounds=bounds)
    if communes["features"]:  # a territory being set up may have none yet
        folium.GeoJson(
            communes,
            name=_("Communes"),
            style_function=lambda f: {
                "color": "#555",
                "weight": 1,
                "fillColor": "#f2b134" if f["properties"]["qpv"] else "#ddd",
                "fillOpacity": 0.35 if f["properties"]["qpv"] else 0.1,
            },
            tooltip=SafeGeoJsonTooltip(fields=["name"], labels=False),
            popup=SafeGeoJsonPopup(fields=["name", "qpv"], aliases=["Commune", "QPV"]),
        ).add_to(fmap)
    if qpv_perimeters["features"]:
        folium.GeoJson(
            qpv_perimeters,
            name=_("Quartiers prioritaires (périmètres officiels)"),
            style_function=lambda f: {"color": "#b2182b", "weight": 2, "fillOpacity": 0.25},
            tooltip=SafeGeoJsonTooltip(fields=["name", "code"], labels=False),
        ).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return render_template(
        "territory/map.html",
        map_parts=map_html_parts(fmap),
        qpvs=queries.list_qpv(),
        commune_count=queries.count_communes(),
        has_perimeters=bool(qpv_perimeters["features"]),
    )


@bp.get("/mentions-legales")
def legal():
    """Legal notice, from the territory's configuration."""
    return render_template("territory/legal.html")


@bp.get("/accessibilite")
def accessibility():
    """RGAA accessibility statement, from the territory's configuration."""
    return render_template("territory/accessibility.html")
