"""Import of official QPV perimeter files: good files, and each kind of bad file writing nothing."""

import json
import zipfile

import numpy as np
import pyogrio.raw
import pytest
import shapely
from sqlalchemy import text

from app.errors import Invalid
from app.extensions import db
from app.territory.perimeters import import_perimeters


def _qpv_polygons(codes):
    """Plausible QPV polygons: a 400 m square around a point of each QPV's first commune."""
    rows = db.session.execute(
        text(
            "SELECT q.code, ST_AsBinary(ST_Envelope(ST_Buffer(ST_PointOnSurface(c.geom)::geography, 200)::geometry))"
            " FROM qpv q JOIN LATERAL (SELECT c.geom FROM qpv_communes qc JOIN communes c ON c.insee = qc.commune_insee"
            "  WHERE qc.qpv_code = q.code ORDER BY c.insee LIMIT 1) c ON true WHERE q.code = ANY(:codes) ORDER BY q.code"
        ),
        {"codes": codes},
    ).all()
    return [(code, shapely.from_wkb(bytes(wkb))) for code, wkb in rows]


def _write(path, polygons, crs="EPSG:4326", driver="GeoJSON", field="code_qp"):
    geoms = np.array([shapely.to_wkb(g) for _, g in polygons], dtype=object)
    codes = np.array([code for code, _ in polygons], dtype=object)
    names = np.array([f"QPV {code}" for code, _ in polygons], dtype=object)
    pyogrio.raw.write(
        str(path), geoms, [codes, names], [field, "lib_qp"], driver=driver, crs=crs, geometry_type="Polygon"
    )
    return path


def _state():
    return db.session.execute(
        text(
            "SELECT count(*) FILTER (WHERE geom IS NOT NULL), md5(string_agg(coalesce(ST_AsText(geom), ''), '|' ORDER BY code)) FROM qpv"
        )
    ).one()


def test_geojson_wgs84_is_imported_and_provisional_perimeters_become_official(
    app, tmp_path, make_consultation
):
    consultation = make_consultation(qpv_codes=["QP062024"])
    assert consultation.perimeter_provisional
    path = _write(tmp_path / "qpv.geojson", _qpv_polygons(["QP062024", "QP062019"]))
    summary = import_perimeters(path)
    assert summary["imported"] == ["QP062019", "QP062024"]
    assert summary["consultations_updated"] >= 1
    db.session.refresh(consultation)
    assert consultation.perimeter_provisional is False
    area = db.session.execute(
        text("SELECT ST_Area(geom::geography) FROM consultations WHERE id = :id"), {"id": consultation.id}
    ).scalar()
    assert 150_000 < area < 170_000  # the 400 m square, not the whole commune


def test_zipped_lambert93_shapefile_is_reprojected_by_postgis(app, tmp_path):
    polygons = _qpv_polygons(["QP062028"])
    l93 = db.session.execute(
        text("SELECT ST_AsBinary(ST_Transform(ST_SetSRID(ST_GeomFromWKB(:w), 4326), 2154))"),
        {"w": shapely.to_wkb(polygons[0][1])},
    ).scalar()
    folder = tmp_path / "shp"
    folder.mkdir()
    _write(
        folder / "QP_METROPOLE_LB93.shp",
        [("QP062028", shapely.from_wkb(bytes(l93)))],
        crs="EPSG:2154",
        driver="ESRI Shapefile",
        field="CODE_QP",
    )
    archive = tmp_path / "qp.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    summary = import_perimeters(archive)
    assert summary["imported"] == ["QP062028"] and summary["srid"] == 2154
    distance = db.session.execute(
        text(
            "SELECT ST_HausdorffDistance(geom, ST_Multi(ST_SetSRID(ST_GeomFromWKB(:w), 4326))) FROM qpv WHERE code = 'QP062028'"
        ),
        {"w": shapely.to_wkb(polygons[0][1])},
    ).scalar()
    assert distance < 1e-6


def test_2024_codes_are_matched(app, tmp_path):
    polygons = [("QN06224M", g) for _, g in _qpv_polygons(["QP062024"])]
    summary = import_perimeters(_write(tmp_path / "qp2024.geojson", polygons))
    assert summary["imported"] == ["QN06224M"]
    source = db.session.execute(text("SELECT perimeter_source FROM qpv WHERE code = 'QP062024'")).scalar()
    assert "géographie 2024" in source


def _assert_rejected(path, message_part):
    before = _state()
    with pytest.raises(Invalid) as error:
        with db.session.begin_nested():
            import_perimeters(path)
    assert message_part in error.value.message
    assert _state() == before


def test_wrong_crs_is_rejected(app, tmp_path):
    path = _write(tmp_path / "bad.geojson", _qpv_polygons(["QP062024"]), crs="EPSG:3857")
    # GeoJSON written by GDAL in another CRS is refused outright.
    _assert_rejected(path, "Système de coordonnées")


def test_lambert_coordinates_declared_as_wgs84_are_rejected(app, tmp_path):
    polygons = _qpv_polygons(["QP062024"])
    shifted = [(code, shapely.affinity.translate(g, 650000, 7000000)) for code, g in polygons]
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code_qp": code}, "geometry": shapely.geometry.mapping(g)}
            for code, g in shifted
        ],
    }
    path = tmp_path / "mislabelled.geojson"
    path.write_text(json.dumps(geojson))
    with pytest.raises(Invalid):
        import_perimeters(path)


def test_unknown_codes_are_rejected(app, tmp_path):
    polygons = [("QP075001", g) for _, g in _qpv_polygons(["QP062024"])]
    _assert_rejected(_write(tmp_path / "paris.geojson", polygons), "Aucun code de QPV du territoire")


def test_invalid_geometry_is_rejected_and_nothing_written(app, tmp_path):
    good = _qpv_polygons(["QP062019"])
    x, y = good[0][1].centroid.x, good[0][1].centroid.y
    bowtie = shapely.Polygon([(x, y), (x + 0.01, y + 0.01), (x + 0.01, y), (x, y + 0.01), (x, y)])
    path = _write(tmp_path / "bowtie.geojson", good + [("QP062024", bowtie)])
    _assert_rejected(path, "Géométrie invalide pour le QPV QP062024")


def test_not_a_geometry_file_is_rejected(app, tmp_path):
    path = tmp_path / "notes.geojson"
    path.write_text("ceci n'est pas un fichier géographique")
    _assert_rejected(path, "n'est pas un fichier géographique lisible")


def test_missing_code_field_is_rejected(app, tmp_path):
    path = _write(tmp_path / "nocode.geojson", _qpv_polygons(["QP062024"]), field="identifiant")
    _assert_rejected(path, "Aucun champ de code QPV")


def test_cli_reports_the_error_and_writes_nothing(app, tmp_path):
    before = _state()
    path = tmp_path / "vide.zip"
    path.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    result = app.test_cli_runner().invoke(args=["territory", "import-perimeters", str(path)])
    assert result.exit_code != 0
    assert "Aucune donnée n'a été modifiée" in result.output
    assert _state() == before
