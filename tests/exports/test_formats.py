"""Each format read back by an independent reader: count, CRS, attributes, coordinates."""

import csv
import io
import json
import re
import subprocess
from datetime import UTC

import openpyxl
import pyogrio
import pytest
from pyogrio.raw import read as ogr_read

from tests.exports.conftest import transformed

COLUMNS = [
    "id",
    "concertation",
    "qpv_code",
    "qpv_nom",
    "commune_insee",
    "commune",
    "adresse",
    "theme",
    "theme_libelle",
    "statut",
    "suite_donnee",
    "titre",
    "description",
    "reponse_officielle",
    "votes_pour",
    "votes_contre",
    "soutiens",
    "atelier_pour",
    "atelier_contre",
    "commentaires",
    "source",
    "auteur",
    "cree_le",
    "publie_le",
    "x",
    "y",
    "wkt",
    "photos",
    "url",
]


def read_csv(path, delimiter):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM expected for spreadsheets"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))


def utc_text(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_csv_french_lambert93(export_data, export_file):
    path, state = export_file(
        export_data["urbanist"], format="csv", consultation="cite-12-14", crs="EPSG:2154"
    )
    rows = read_csv(path, ";")
    assert list(rows[0].keys()) == COLUMNS
    assert len(rows) == len(export_data["published"]) == state["row_count"]
    assert {int(row["id"]) for row in rows} == {c.id for c in export_data["published"]}
    by_id = {int(row["id"]): row for row in rows}
    for contribution in export_data["published"]:
        row = by_id[contribution.id]
        x, y = (float(row[k].replace(",", ".")) for k in ("x", "y"))
        expected = transformed(contribution.id, 2154)
        assert abs(x - expected[0]) < 0.01 and abs(y - expected[1]) < 0.01
        assert 600_000 < x < 750_000 and 7_000_000 < y < 7_100_000  # Lambert-93 range for the Pas-de-Calais
    assert "," in by_id[export_data["published"][0].id]["x"]  # decimal comma for French spreadsheets
    assert by_id[export_data["line"].id]["wkt"].startswith("LINESTRING")
    assert by_id[export_data["polygon"].id]["wkt"].startswith("POLYGON")
    assert by_id[export_data["published"][0].id]["wkt"] == ""
    first = by_id[export_data["published"][0].id]
    assert (first["votes_pour"], first["votes_contre"], first["commentaires"]) == ("1", "1", "2")
    assert first["photos"].endswith("/media/photos/ab/ecole.jpg")
    assert first["url"].endswith(str(first["id"]))
    assert first["qpv_code"] == "QP062024" and first["commune"] == "Lens"
    assert first["adresse"] == "près du 12 Rue de Lille"
    assert first["theme_libelle"] and first["statut"] == "published" and first["source"] == "web"
    assert first["cree_le"] == utc_text(export_data["published"][0].created_at)  # RFC 3339, UTC
    workshop = next(row for row in rows if row["source"] == "workshop")
    assert (workshop["atelier_pour"], workshop["atelier_contre"], workshop["auteur"]) == ("7", "2", "")
    assert by_id[export_data["injected"].id]["titre"].startswith("'=")  # no formula in a spreadsheet
    assert by_id[export_data["polygon"].id]["suite_donnee"] == "retenue"


def test_csv_comma_wgs84_and_filters(export_data, export_file):
    path, _ = export_file(
        export_data["urbanist"],
        format="csv",
        consultations=["cite-12-14", "vent-de-bise"],
        separator=",",
        statuses=["published", "pending", "hidden"],
        themes=["cadre-de-vie-espaces-publics"],
    )
    rows = read_csv(path, ",")
    expected = [
        c
        for c in [
            *export_data["published"],
            export_data["pending"],
            export_data["hidden"],
            export_data["other"],
        ]
        if c.theme_slug == "cadre-de-vie-espaces-publics"
    ]
    assert sorted(int(row["id"]) for row in rows) == sorted(c.id for c in expected)
    assert {row["statut"] for row in rows} == {"published", "pending", "hidden"}
    for row in rows:
        x, y = transformed(int(row["id"]), 4326)
        assert abs(float(row["x"]) - x) < 1e-6 and abs(float(row["y"]) - y) < 1e-6
    support = next(row for row in rows if row["concertation"] == "vent-de-bise")
    assert (support["soutiens"], support["votes_pour"], support["votes_contre"]) == ("1", "", "")


def test_date_and_qpv_filters(export_data, export_file):
    from datetime import date, timedelta

    old = export_data["published"][5]
    path, _ = export_file(
        export_data["urbanist"],
        format="csv",
        consultation="cite-12-14",
        date_to=(date.today() - timedelta(days=30)).isoformat(),
    )
    assert [int(row["id"]) for row in read_csv(path, ";")] == [old.id]
    path, _ = export_file(export_data["urbanist"], format="csv", consultation="cite-12-14", qpv=["QP062028"])
    assert read_csv(path, ";") == []


def test_xlsx_sheets(export_data, export_file):
    path, state = export_file(export_data["urbanist"], format="xlsx", consultation="cite-12-14")
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Synthèse", "Contributions", "Commentaires"]
    rows = list(workbook["Contributions"].iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert len(rows) - 1 == len(export_data["published"]) == state["row_count"]
    by_id = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    first = by_id[export_data["published"][0].id]
    assert isinstance(first["x"], float) and first["votes_pour"] == 1 and first["commentaires"] == 2
    assert first["adresse"] == "près du 12 Rue de Lille"
    created = export_data["published"][0].created_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    assert first["cree_le"].replace(microsecond=0) == created  # a real date-time, in UTC
    assert by_id[export_data["injected"].id]["titre"] == '\'=HYPERLINK("http://pirate")'
    comments = list(workbook["Commentaires"].iter_rows(values_only=True))
    assert comments[0] == ("commentaire_id", "contribution_id", "reponse_a", "auteur", "texte", "cree_le")
    assert len(comments) - 1 == 3  # the published comments of this consultation's contributions
    assert "'=1+1" in {row[4] for row in comments[1:]}
    summary = {row[0]: row[1] for row in workbook["Synthèse"].iter_rows(values_only=True) if len(row) > 1}
    assert summary["Contributions"] == len(export_data["published"])
    assert summary["Système de coordonnées"] == "WGS84 (EPSG:4326)"
    assert "Cité 12/14" in summary["Concertations"]
    assert summary["Dates et heures"].startswith("en UTC")


def test_xlsx_date_times_are_read_as_date_times_by_gdal(export_data, export_file):
    """GDAL 3.6 (Debian's ogrinfo, as QGIS 3.22 reads it) types the date columns DateTime, not Date."""
    path, _ = export_file(export_data["urbanist"], format="xlsx", consultation="cite-12-14")
    for sheet in ("Contributions", "Commentaires"):
        info = subprocess.run(
            ["ogrinfo", "-so", str(path), sheet], capture_output=True, text=True, check=True
        ).stdout
        assert re.search(r"^cree_le: DateTime", info, re.M), info
    workbook = openpyxl.load_workbook(path)
    cell = workbook["Contributions"]["W2"]
    assert cell.is_date and "UTC" in cell.number_format


def test_geojson_wgs84_is_rfc7946(export_data, export_file):
    path, _ = export_file(export_data["urbanist"], format="geojson", consultation="cite-12-14")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert len(data["features"]) == len(export_data["published"])
    info = pyogrio.read_info(path)
    assert info["features"] == len(export_data["published"])
    assert info["crs"] == "EPSG:4326"
    assert {"titre", "theme", "qpv_code", "votes_pour", "cree_le", "url"} <= set(info["fields"])
    feature = next(f for f in data["features"] if f["id"] == export_data["published"][0].id)
    lon, lat = feature["geometry"]["coordinates"]
    expected = transformed(feature["id"], 4326)
    assert abs(lon - expected[0]) < 1e-6 and abs(lat - expected[1]) < 1e-6
    assert feature["properties"]["cree_le"].endswith("Z")
    assert feature["properties"]["adresse"] == "près du 12 Rue de Lille"
    kinds = {f["geometry"]["type"] for f in data["features"]}
    assert kinds == {"Point", "LineString", "Polygon"}


def test_geojson_lambert93_has_crs_member(export_data, export_file):
    path, _ = export_file(
        export_data["urbanist"], format="geojson", consultation="cite-12-14", crs="EPSG:2154"
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::2154"
    assert pyogrio.read_info(path)["crs"] == "EPSG:2154"
    assert all("crs" not in feature["geometry"] for feature in data["features"])  # RFC 7946: once, on top
    assert {f["properties"]["cree_le"][-1] for f in data["features"]} == {"Z"}
    for feature in data["features"]:
        if feature["geometry"]["type"] == "Point":
            x, y = feature["geometry"]["coordinates"]
            ex, ey = transformed(feature["id"], 2154)
            assert abs(x - ex) < 0.01 and abs(y - ey) < 0.01


@pytest.mark.parametrize("crs", ["EPSG:2154", "EPSG:4326"])
def test_geopackage_layers(export_data, export_file, crs):
    path, state = export_file(
        export_data["urbanist"], format="gpkg", consultations=["cite-12-14", "vent-de-bise"], crs=crs
    )
    layers = dict(pyogrio.list_layers(path))
    assert layers == {
        "contributions_points": "Point",
        "contributions_lignes": "MultiLineString",
        "contributions_polygones": "MultiPolygon",
        "commentaires": None,
        "perimetres": "MultiPolygon",
    }
    counts = {name: pyogrio.read_info(path, layer=name)["features"] for name in layers}
    assert counts == {
        "contributions_points": len(export_data["published"]) - 2 + 1,  # + the other consultation's point
        "contributions_lignes": 1,
        "contributions_polygones": 1,
        "commentaires": 4,
        "perimetres": 2,
    }
    assert state["row_count"] == len(export_data["published"]) + 1
    info = pyogrio.read_info(path, layer="contributions_points")
    assert info["crs"] == crs
    for layer in ("contributions_points", "contributions_lignes", "contributions_polygones", "perimetres"):
        assert pyogrio.read_info(path, layer=layer)["capabilities"]["fast_spatial_filter"], layer  # RTree
    ex, ey = transformed(export_data["line"].id, int(crs.split(":")[1]))
    near = ogr_read(path, layer="contributions_lignes", bbox=(ex - 1, ey - 1, ex + 1, ey + 1), columns=["id"])
    assert list(near[3][0]) == [export_data["line"].id]  # a bbox query through the index
    assert dict(zip(info["fields"], info["dtypes"], strict=True))["votes_pour"] == "int64"
    meta, _, geometries, fields = ogr_read(path, layer="contributions_points", datetime_as_string=True)
    values = dict(zip(meta["fields"], fields, strict=True))
    import shapely

    for feature_id, wkb in zip(values["id"], geometries, strict=True):
        point = shapely.from_wkb(wkb)
        ex, ey = transformed(int(feature_id), int(crs.split(":")[1]))
        assert abs(point.x - ex) < 0.01 and abs(point.y - ey) < 0.01
    assert all(text.endswith("Z") for text in values["cree_le"])
    index = list(values["id"]).index(export_data["published"][0].id)
    assert values["commentaires"][index] == 2 and values["qpv_code"][index] == "QP062024"
    comments = pyogrio.read_info(path, layer="commentaires")
    assert list(comments["fields"]) == [
        "commentaire_id",
        "contribution_id",
        "reponse_a",
        "auteur",
        "texte",
        "cree_le",
    ]


def test_geopackage_nulls_and_dates(export_data, export_file):
    path, _ = export_file(
        export_data["urbanist"], format="gpkg", consultation="cite-12-14", statuses=["pending"]
    )
    meta, _, _, fields = ogr_read(path, layer="contributions_points", datetime_as_string=True)
    row = dict(zip(meta["fields"], [values[0] for values in fields], strict=True))
    assert row["id"] == export_data["pending"].id and row["statut"] == "pending"
    assert row["publie_le"] is None and row["cree_le"].endswith("Z")  # NULL stays NULL, not 1970
    assert row["suite_donnee"] is None and row["votes_pour"] == 0
    assert pyogrio.read_info(path, layer="commentaires")["features"] == 0


def test_geopackage_passes_gdal_36_validator(export_data, export_file):
    """Debian's GDAL 3.6 validator (python3-gdal): GeoPackage 1.2, GDAL's R-tree and its triggers."""
    path, _ = export_file(
        export_data["urbanist"], format="gpkg", consultations=["cite-12-14", "vent-de-bise"], crs="EPSG:2154"
    )
    check = subprocess.run(
        ["/usr/bin/python3", "-m", "osgeo_utils.samples.validate_gpkg", str(path)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    warnings = subprocess.run(["ogrinfo", "-so", str(path)], capture_output=True, text=True, check=True)
    assert "version" not in warnings.stderr.lower(), warnings.stderr  # no « 1.4 » warning in GDAL 3.6
    for layer in ("contributions_points", "contributions_lignes", "contributions_polygones", "perimetres"):
        assert pyogrio.read_info(path, layer=layer)["capabilities"]["fast_spatial_filter"], layer
