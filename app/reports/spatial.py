"""Spatial parts of a report: DBSCAN hotspots, map points, perimeter and communes (built in SQL)."""

import json
import math

from sqlalchemy import text

from app.extensions import db
from app.reports.scope import SCOPE_TABLE as RS

ZONES = "report_zones"
LAMBERT93 = 2154  # metres: DBSCAN's eps and the static map are computed in Lambert-93


def hotspots(eps_m, min_points, min_share, sample_max, max_count):
    """Clusters of published contributions (ST_ClusterDBSCAN in Lambert-93) with their themes.

    Above `sample_max` points, DBSCAN runs on a systematic sample (1 contribution in `step`); the
    zones found are then counted exactly over every published contribution."""
    points = db.session.execute(text(f"SELECT count(*) FROM {RS} WHERE status = 'published'")).scalar_one()
    step = max(1, math.ceil(points / sample_max)) if sample_max else 1
    sample = math.ceil(points / step) if points else 0
    minpoints = max(min_points, math.ceil(min_share * sample))
    method = {"eps_m": eps_m, "min_points": minpoints, "points": points, "sample_step": step}
    method["sample_size"] = sample
    if points == 0:
        return {"method": method, "zones": []}
    _cluster(eps_m, minpoints, step, max_count)
    zones = _zone_rows()
    themes = _zone_themes()
    for zone in zones:
        zone["themes"] = themes.get(zone["rank"], [])
        zone["count"] = sum(item["count"] for item in zone["themes"])
        zone["dominant_theme"] = zone["themes"][0]["theme"] if zone["themes"] else None
    db.session.execute(text(f"DROP TABLE IF EXISTS {ZONES}"))
    return {"method": method, "zones": zones}


def _cluster(eps_m, minpoints, step, max_count):
    db.session.execute(text(f"DROP TABLE IF EXISTS {ZONES}"))
    db.session.execute(
        text(
            f"CREATE TEMP TABLE {ZONES} AS"
            f" WITH pts AS (SELECT ST_Transform(anchor, {LAMBERT93}) AS g FROM {RS}"
            "   WHERE status = 'published' AND id % :step = 0),"
            " cl AS (SELECT g, ST_ClusterDBSCAN(g, eps => :eps, minpoints => :minpoints) OVER () AS cid FROM pts),"
            " z AS (SELECT cid, count(*) AS sample_count,"
            "   ST_Buffer(ST_ConvexHull(ST_Collect(g)), :eps / 2.0) AS zone"
            "   FROM cl WHERE cid IS NOT NULL GROUP BY cid ORDER BY sample_count DESC, cid LIMIT :max)"
            " SELECT row_number() OVER (ORDER BY sample_count DESC, cid) AS rank, sample_count, zone,"
            f" ST_Transform(zone, 4326) AS zone4326 FROM z"
        ),
        {"eps": float(eps_m), "minpoints": minpoints, "step": step, "max": max_count},
    )


def _zone_rows():
    rows = db.session.execute(
        text(
            "SELECT z.rank, z.sample_count, round((ST_Area(z.zone) / 10000)::numeric, 1) AS area_ha,"
            " ST_X(ST_Centroid(z.zone4326)) AS lon, ST_Y(ST_Centroid(z.zone4326)) AS lat,"
            " ST_AsGeoJSON(z.zone4326, 5)::json AS geometry,"
            " (SELECT cm.name FROM communes cm WHERE ST_Intersects(cm.geom, ST_Centroid(z.zone4326))"
            "  LIMIT 1) AS commune"
            f" FROM {ZONES} z ORDER BY z.rank"
        )
    )
    zones = []
    for row in rows.mappings():
        zone = dict(row)
        zone["area_ha"] = float(zone["area_ha"])
        zones.append(zone)
    return zones


def _zone_themes():
    # Every published contribution inside a zone (not only the sampled ones), by theme.
    rows = db.session.execute(
        text(
            f"SELECT z.rank, s.theme_slug AS theme, count(*) AS n FROM {ZONES} z JOIN {RS} s"
            " ON s.status = 'published' AND s.anchor && z.zone4326 AND ST_Intersects(s.anchor, z.zone4326)"
            " GROUP BY z.rank, s.theme_slug ORDER BY z.rank, n DESC, s.theme_slug"
        )
    ).all()
    themes = {}
    for rank, theme, count in rows:
        themes.setdefault(rank, []).append({"theme": theme, "count": count})
    return themes


def map_points(limit):
    """A GeoJSON FeatureCollection of at most `limit` published contributions (most voted first)."""
    return db.session.execute(
        text(
            "SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg("
            " json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(anchor, 6)::json,"
            " 'properties', json_build_object('id', id, 'title', title, 'theme', theme_slug,"
            " 'agree', agree_count, 'disagree', disagree_count, 'outcome', outcome))), '[]'::json))"
            f" FROM (SELECT * FROM {RS} WHERE status = 'published'"
            " ORDER BY agree_count + disagree_count DESC, id LIMIT :limit) p"
        ),
        {"limit": limit},
    ).scalar_one()


def perimeter_sql(scope):
    """(SQL expression of the scope's perimeter in EPSG:4326, params)."""
    if scope.kind == "consultation":
        return "(SELECT geom FROM consultations WHERE id = :pid)", {"pid": scope.consultation_id}
    if scope.kind == "qpv":
        return (
            "(SELECT coalesce(q.geom, (SELECT ST_Multi(ST_Union(cm.geom)) FROM qpv_communes qc"
            " JOIN communes cm ON cm.insee = qc.commune_insee WHERE qc.qpv_code = q.code))"
            " FROM qpv q WHERE q.code = :pid)",
            {"pid": scope.qpv_code},
        )
    return "(SELECT ST_Multi(ST_Union(geom)) FROM communes)", {}


def perimeter_geojson(scope):
    """The perimeter as a GeoJSON geometry and its [[south, west], [north, east]] bounds."""
    expr, params = perimeter_sql(scope)
    row = db.session.execute(
        text(
            "SELECT ST_AsGeoJSON(g, 6)::json, ST_YMin(g), ST_XMin(g), ST_YMax(g), ST_XMax(g)"
            f" FROM (SELECT {expr} AS g) s"
        ),
        params,
    ).one()
    if row[0] is None:
        return None, None
    return row[0], [[row[1], row[2]], [row[3], row[4]]]


def static_map_layers(scope, zones_geojson, published, max_points):
    """Everything the static PDF map draws, in Lambert-93: perimeter, communes, points, hotspots.

    Beyond `max_points` published contributions, a systematic sample (1 in `step`) is drawn."""
    expr, params = perimeter_sql(scope)
    step = max(1, math.ceil(published / max_points))
    params = {**params, "max_points": max_points, "step": step, "zones": json.dumps(zones_geojson)}
    row = db.session.execute(
        text(
            f"WITH per AS (SELECT ST_Transform({expr}, {LAMBERT93}) AS g),"
            " box AS (SELECT ST_Expand(ST_Envelope(g), 400) AS b FROM per),"
            f" pts AS (SELECT theme_slug, ST_Transform(anchor, {LAMBERT93}) AS g FROM {RS}"
            "  WHERE status = 'published' AND id % :step = 0 LIMIT :max_points)"
            " SELECT (SELECT ST_AsGeoJSON(g, 1)::json FROM per),"
            " (SELECT json_agg(json_build_object('name', cm.name, 'geometry',"
            f"   ST_AsGeoJSON(ST_Intersection(ST_Transform(cm.geom, {LAMBERT93}), box.b), 1)::json,"
            f"   'label', ST_AsGeoJSON(ST_PointOnSurface(ST_Intersection(ST_Transform(cm.geom, {LAMBERT93}),"
            "   box.b)), 1)::json)) FROM communes cm, box"
            f"   WHERE ST_Intersects(ST_Transform(cm.geom, {LAMBERT93}), box.b)),"
            " (SELECT json_agg(json_build_array(theme_slug, round(ST_X(g)), round(ST_Y(g)))) FROM pts),"
            " (SELECT json_agg(json_build_object('rank', z->>'rank', 'geometry',"
            f"   ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(z->'geometry'), 4326), {LAMBERT93}), 1)::json))"
            "   FROM json_array_elements(CAST(:zones AS json)) z),"
            " (SELECT json_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)) FROM box)"
        ),
        params,
    ).one()
    perimeter, communes, pts, zones, bbox = row
    layers = {"perimeter": perimeter, "communes": communes or [], "points": pts or [], "zones": zones or []}
    return layers, bbox, step
