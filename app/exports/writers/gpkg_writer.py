"""GeoPackage written by GDAL (pyogrio): contributions by geometry type, comments, perimeters; in batches.

GeoPackage 1.2 with GDAL's own R-tree index and triggers, as GDAL 3.6 / QGIS 3.22 expect (the
bundled GDAL would write 1.4, which they warn about and GDAL 3.6's validator refuses)."""

import os

import numpy as np
import pyogrio
from pyogrio.raw import write as ogr_write

from app.exports import sql
from app.exports.stream import batches, fetch_all

BATCH_ROWS = 50_000  # rows per OGR append: fewer, larger transactions; memory stays bounded
# The file is a temporary .part until complete: no fsync per append (a crash fails the export anyway).
SQLITE_OPTIONS = {"OGR_SQLITE_SYNCHRONOUS": "OFF", "OGR_SQLITE_JOURNAL": "OFF"}
DATASET_OPTIONS = {"VERSION": "1.2"}

LAYERS = {
    0: ("contributions_points", "Point"),
    1: ("contributions_lignes", "MultiLineString"),
    2: ("contributions_polygones", "MultiPolygon"),
}
INTEGERS = sql.INTEGER_COLUMNS | {
    "commentaire_id",
    "contribution_id",
    "reponse_a",
    "zone_tampon_m",
}
NULLABLE_INTEGERS = {"votes_pour", "votes_contre", "soutiens", "reponse_a"}
DATETIMES = sql.DATETIME_COLUMNS
UTC_FLAG = 100  # GDAL's time zone flag for UTC


def total_rows(selection, counts):
    return counts["contributions"] + counts["comments"]


def write(path, selection, options, progress):
    """Write the GeoPackage to `path`; returns the number of contributions."""
    pyogrio.set_gdal_config_options(SQLITE_OPTIONS)
    params = sql.base_params(selection)
    crs = f"EPSG:{selection.srid}"
    count = _write_contributions(path, selection, params, crs, progress)
    _write_comments(path, selection, params, progress)
    _write_perimeters(path, selection, params, crs)
    return count


def _write_comments(path, selection, params, progress):
    columns = sql.comment_columns("gpkg")
    names = [name for name, _ in columns]
    created = False
    for rows in batches(sql.select_comments(selection, columns), params, BATCH_ROWS):
        _write_layer(path, "commentaires", None, None, names, rows, None, append=created)
        created = True
        progress.add(len(rows))
    if not created:
        _write_layer(path, "commentaires", None, None, names, [], None, append=False)


def _write_contributions(path, selection, params, crs, progress):
    columns = sql.contribution_columns(selection, "gpkg")
    names = [name for name, _ in columns]
    query = sql.select_contributions(selection, columns, sql.geometry_wkb(selection))
    pending = {dim: [] for dim in LAYERS}
    created = set()
    count = 0

    def flush(dim):
        layer, geometry_type = LAYERS[dim]
        rows = pending[dim]
        geometries = [row[-2] for row in rows]
        _write_layer(path, layer, geometry_type, geometries, names, rows, crs, append=dim in created)
        created.add(dim)
        pending[dim] = []

    for rows in batches(query, params, BATCH_ROWS):
        for row in rows:
            pending[row[-1]].append(row)
        for dim in LAYERS:
            if len(pending[dim]) >= BATCH_ROWS:
                flush(dim)
        count += len(rows)
        progress.add(len(rows))
    for dim in LAYERS:
        if pending[dim] or (dim == 0 and not created):
            flush(dim)
    return count


def _write_layer(path, layer, geometry_type, geometries, names, rows, crs, append):
    """Append `rows` (first len(names) values) to `layer`, creating it on the first call."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    fields, masks, offsets = [], [], {}
    for name, column in zip(names, values, strict=False):
        array, mask = _as_array(name, column)
        fields.append(array)
        masks.append(mask)
        if name in DATETIMES:
            offsets[name] = np.full(len(column), UTC_FLAG, dtype=np.int32)
    geometry = None if geometries is None else np.fromiter(geometries, dtype=object, count=len(geometries))
    ogr_write(
        path,
        geometry,
        fields,
        names,
        field_mask=masks,
        layer=layer,
        driver="GPKG",
        geometry_type=geometry_type,
        crs=crs,
        append=append,
        gdal_tz_offsets=offsets,
        promote_to_multi=False,
        dataset_options=None if append or os.path.exists(path) else DATASET_OPTIONS,
    )


def _as_array(name, column):
    """(numpy array, null mask or None) of one field, typed for OGR (None strings and NaT are nulls)."""
    count = len(column)
    if name in INTEGERS:
        if name not in NULLABLE_INTEGERS:
            return np.fromiter(column, dtype=np.int64, count=count), None
        mask = np.fromiter((value is None for value in column), dtype=bool, count=count)
        values = np.fromiter((value or 0 for value in column), dtype=np.int64, count=count)
        return values, mask if mask.any() else None
    if name in DATETIMES:  # epoch milliseconds from SQL, NaT for NULL
        return np.fromiter(column, dtype=np.int64, count=count).view("datetime64[ms]"), None
    if name == "perimetre_provisoire":
        return np.fromiter(column, dtype=bool, count=count), None
    return np.fromiter(column, dtype=object, count=count), None


def _write_perimeters(path, selection, params, crs):
    rows = fetch_all(sql.select_perimeters(selection), params)
    names = ["concertation", "titre", "perimetre_provisoire", "zone_tampon_m"]
    geometries = [bytes(row[4]) for row in rows]
    _write_layer(path, "perimetres", "MultiPolygon", geometries, names, rows, crs, append=False)
