"""GeoJSON (RFC 7946 in WGS84; Lambert-93 files carry one top-level `crs` member, the legacy practice
QGIS/GDAL read, and none in the geometries), streamed. Dates are RFC 3339 in UTC."""

import json

from app.exports import sql
from app.exports.stream import batches

CRS_MEMBER = {2154: {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}}


def total_rows(selection, counts):
    return counts["contributions"]


def feature_sql(selection):
    """SELECT of one GeoJSON Feature text per contribution, built by PostgreSQL."""
    columns = sql.contribution_columns(selection, "geojson")
    properties = ", ".join(f"'{name}', {expr}" for name, expr in columns)
    geometry = sql.geometry_geojson(selection)[0].removesuffix(" AS geom_json")
    item = (
        "json_build_object('type', 'Feature', 'id', c.id,"
        f" 'geometry', ({geometry})::json, 'properties', json_build_object({properties}))::text"
    )
    condition, _ = sql.where(selection)
    return f"SELECT {item}{sql.export_joins(selection)} WHERE {condition} ORDER BY c.id"


def header(selection):
    head = {"type": "FeatureCollection", "name": "contributions"}
    if selection.srid in CRS_MEMBER:
        head["crs"] = CRS_MEMBER[selection.srid]
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n'


def write(path, selection, options, progress):
    """Write a FeatureCollection of the contributions to `path`; returns the feature count."""
    count = 0
    with open(path, "w", encoding="utf-8", buffering=1024 * 1024) as out:
        out.write(header(selection))
        for rows in batches(feature_sql(selection), sql.base_params(selection)):
            for (feature,) in rows:
                out.write(",\n" if count else "")
                out.write(feature)
                count += 1
            progress.add(len(rows))
        out.write("\n]}\n")
    return count
