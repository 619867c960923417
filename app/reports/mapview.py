"""The report page's folium map: perimeter, hotspots and the job's sample of contributions."""

import json

import folium
from flask_babel import gettext as _

from app.maps.builders import SafeGeoJsonTooltip, base_map, map_html_parts
from app.reports import queries
from app.reports.spatial import perimeter_geojson

PERIMETER_STYLE = {"color": "#1d4e89", "weight": 3, "fillOpacity": 0.05, "dashArray": "6 4"}
HOTSPOT_STYLE = {"color": "#c8553d", "weight": 2, "fillColor": "#c8553d", "fillOpacity": 0.18}


def report_map(scope, report):
    """folium map parts (header, html, script); layers from the finished report when there is one."""
    perimeter, bounds = perimeter_geojson(scope)
    fmap = base_map(bounds=bounds)
    if perimeter:
        folium.GeoJson(perimeter, name=_("Périmètre"), style_function=lambda _: PERIMETER_STYLE).add_to(fmap)
    if report is not None and report.figures:
        _add_points(fmap, report)
        _add_hotspots(fmap, report.figures)
        folium.LayerControl(collapsed=True).add_to(fmap)
    return map_html_parts(fmap)


def _add_points(fmap, report):
    path = queries.output_file(report, "points.geojson")
    if path is None:
        return
    themes = report.figures["labels"]["themes"]
    data = json.loads(path.read_text())
    for feature in data["features"]:
        props = feature["properties"]
        props["theme_label"] = themes.get(props["theme"], {}).get("label", props["theme"])
        props["color"] = themes.get(props["theme"], {}).get("color", "#1d4e89")
    folium.GeoJson(
        data,
        name=_("Contributions (%(len)s les plus votées)", len=len(data["features"])),
        marker=folium.CircleMarker(radius=5, weight=1, fill=True, fill_opacity=0.8),
        style_function=lambda f: {"color": "#ffffff", "fillColor": f["properties"]["color"]},
        tooltip=SafeGeoJsonTooltip(
            fields=["title", "theme_label", "agree", "disagree"],
            aliases=["Contribution", _("Thème"), _("Pour"), _("Contre")],
        ),
    ).add_to(fmap)


def _add_hotspots(fmap, figures):
    zones = figures.get("hotspots", {}).get("zones", [])
    if not zones:
        return
    themes = figures["labels"]["themes"]
    features = []
    for zone in zones:
        theme = themes.get(zone["dominant_theme"], {}).get("label", "–")
        label = _(
            "Zone %(rank)s : %(count)s contributions, thème dominant : %(theme)s",
            rank=zone["rank"],
            count=zone["count"],
            theme=theme,
        )
        features.append({"type": "Feature", "geometry": zone["geometry"], "properties": {"label": label}})
    layer = folium.FeatureGroup(name=_("Zones de forte contribution"))
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda _: HOTSPOT_STYLE,
        tooltip=SafeGeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(layer)
    for zone in zones:  # the number of each zone, as in the table below the map
        lon, lat = _badge_point(zone["geometry"])
        rank = int(zone["rank"])
        icon = folium.DivIcon(
            html=f'<span class="zone-badge zone-badge-map">{rank}</span>', icon_size=(24, 24)
        )
        folium.Marker((lat, lon), icon=icon, interactive=False, keyboard=False).add_to(layer)
    layer.add_to(fmap)


def _badge_point(geometry):
    """The north-east corner of a zone's bounding box (the badge sits there, as on the PDF map)."""
    from shapely.geometry import shape

    minx, miny, maxx, maxy = shape(geometry).bounds
    return maxx, maxy
