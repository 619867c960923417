"""The GeoPackage RTree built beside the appends: copied when the fids match, rebuilt otherwise."""

import sqlite3

import numpy as np
import pyogrio
import shapely
from pyogrio.raw import write

from app.exports.writers.gpkg_index import RTreeBuilder, install_index


def _layer(path, count):
    points = shapely.points(np.arange(count) * 10.0 + 700_000, np.full(count, 7_040_000.0))
    wkb = shapely.to_wkb(points)
    write(
        str(path),
        wkb,
        [np.arange(count)],
        ["n"],
        layer="pts",
        driver="GPKG",
        geometry_type="Point",
        crs="EPSG:2154",
        layer_options={"SPATIAL_INDEX": "NO"},
    )
    return list(wkb)


def _rtree(path):
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, minx FROM rtree_pts_geom ORDER BY id").fetchall()
        extension = db.execute(
            "SELECT extension_name FROM gpkg_extensions WHERE table_name = 'pts'"
        ).fetchall()
        check = db.execute("SELECT rtreecheck('rtree_pts_geom')").fetchone()[0]
    return rows, extension, check


def test_the_built_index_is_copied(tmp_path):
    path = tmp_path / "a.gpkg"
    wkb = _layer(path, 5)
    builder = RTreeBuilder(str(tmp_path / "a.rtree"))
    builder.add(wkb[:3])
    builder.add(wkb[3:])
    install_index(str(path), "pts", builder)
    rows, extension, check = _rtree(path)
    assert [fid for fid, _ in rows] == [1, 2, 3, 4, 5] and rows[4][1] == 700_040
    assert extension == [("gpkg_rtree_index",)] and check == "ok"
    assert pyogrio.read_info(path, layer="pts")["capabilities"]["fast_spatial_filter"]
    assert not (tmp_path / "a.rtree").exists()


def test_a_mismatch_rebuilds_the_index_from_the_layer(tmp_path):
    path = tmp_path / "b.gpkg"
    wkb = _layer(path, 4)
    builder = RTreeBuilder(str(tmp_path / "b.rtree"))
    builder.add(wkb[:2])  # the builder missed features: its fids cannot be trusted
    install_index(str(path), "pts", builder)
    rows, extension, check = _rtree(path)
    assert [fid for fid, _ in rows] == [1, 2, 3, 4] and check == "ok"
    assert extension == [("gpkg_rtree_index",)]
