"""GDAL 3.6's OAPIF driver (Debian's ogrinfo / ogr2ogr, as QGIS 3.22 uses it) against the live service.

Every count GDAL reads is compared with the same question asked to PostgreSQL."""

import json
import os
import re
import subprocess
from datetime import timedelta

import pyogrio
import pytest
from sqlalchemy import text

from app.consultations.models import utcnow
from app.extensions import db
from tests.conftest import bearer
from tests.exports.conftest import LENS

KINDS = {"points": (0, "Point"), "lignes": (1, "Line String"), "zones": (2, "Polygon")}
THEMES = ("cadre-de-vie-espaces-publics", "mobilite-accessibilite")


@pytest.fixture
def mixed(make_user, make_consultation, make_contribution):
    """A public consultation with points, routes and zones (dates spread), and a private one."""
    main = make_consultation(slug="mixte", title="Mixte", geometry_kinds=("point", "line", "polygon"))
    private = make_consultation(slug="privee", qpv_codes=("QP062028",), data_public=False)
    author = make_user(email="auteur@exemple.fr")
    start = utcnow().replace(microsecond=0) - timedelta(days=30)
    made = []
    for index in range(24):
        lon, lat = LENS[0] - 0.012 + index * 0.001, LENS[1] + (index % 3) * 0.001
        if index % 6 == 4:
            geometry = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.0005, lat + 0.0004]]}
        elif index % 6 == 5:
            ring = [
                [lon, lat],
                [lon + 0.0004, lat],
                [lon + 0.0004, lat + 0.0004],
                [lon, lat + 0.0004],
                [lon, lat],
            ]
            geometry = {"type": "Polygon", "coordinates": [ring]}
        else:
            geometry = {"type": "Point", "coordinates": [lon, lat]}
        made.append(
            make_contribution(
                main,
                author=author,
                geometry=json.dumps(geometry),
                theme=THEMES[index % 2],
                title=f"Idée {index}",
            )
        )
    for index, contribution in enumerate(made):
        contribution.created_at = start + timedelta(days=index, hours=index % 5)
        contribution.published_at = None if index % 7 == 3 else start + timedelta(days=index + 1, hours=3)
    make_contribution(main, author=author, lon=LENS[0], lat=LENS[1], status="pending")
    make_contribution(private, author=author)
    make_contribution(private, author=author, theme=THEMES[1])
    urbanist = make_user(role="urbanist")
    token = bearer(urbanist)["Authorization"].removeprefix("Bearer ")
    db.session.commit()
    return {"main": main, "private": private, "token": token, "start": start}


def gdal(tool, *args, token=None, check=True):
    env = {
        **os.environ,
        "GDAL_HTTP_TIMEOUT": "30",
        "CPL_DEBUG": "ON",
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    }
    if token:
        env.update(GDAL_HTTP_AUTH="BASIC", GDAL_HTTP_USERPWD=f"qgis:{token}")
    result = subprocess.run([tool, *args], capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "ERROR" not in result.stdout + result.stderr, result.stderr[-3000:]
    return result


def feature_count(url, layer, *options, token=None):
    """(feature count, GDAL's debug output) of `ogrinfo -so` on one layer."""
    result = gdal("ogrinfo", "-ro", "-so", *options, f"OAPIF:{url}", layer, token=token)
    match = re.search(r"^Feature Count: (\d+)", result.stdout, re.M)
    assert match, result.stdout
    return int(match.group(1)), result


def sql_count(consultation, dimension, condition="TRUE", **params):
    return db.session.execute(
        text(
            "SELECT count(*) FROM contributions c WHERE c.consultation_id = :cid AND c.status = 'published'"
            f" AND ST_Dimension(c.geom) = :dim AND ({condition})"
        ),
        {"cid": consultation.id, "dim": dimension, **params},
    ).scalar()


@pytest.mark.committed
def test_gdal_lists_layers_with_one_geometry_type_each(live_server, mixed):
    url = f"{live_server.url}/ogc"
    listing = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{url}").stdout
    assert {"mixte-points", "mixte-lignes", "mixte-zones"} <= set(re.findall(r"\d+: (\S+)", listing))
    assert "privee" not in listing
    for suffix, (dimension, geometry_type) in KINDS.items():
        count, result = feature_count(url, f"mixte-{suffix}")
        assert f"Geometry: {geometry_type}" in result.stdout
        assert count == sql_count(mixed["main"], dimension) > 0
        assert re.search(r"^publie_le: DateTime", result.stdout, re.M)  # typed from the JSON Schema
        assert re.search(r"^soutiens: Integer", result.stdout, re.M)  # always empty, still typed


@pytest.mark.committed
def test_gdal_reads_a_private_layer_with_basic_auth(live_server, mixed):
    url = f"{live_server.url}/ogc"
    refused = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{url}", "privee-points", check=False)
    assert refused.returncode != 0
    listing = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{url}", token=mixed["token"]).stdout
    assert "privee-points" in listing
    count, _ = feature_count(url, "privee-points", token=mixed["token"])
    assert count == sql_count(mixed["private"], 0) == 2
    themed, _ = feature_count(url, "privee-points", "-where", f"theme = '{THEMES[1]}'", token=mixed["token"])
    assert themed == sql_count(mixed["private"], 0, "c.theme_slug = :t", t=THEMES[1]) == 1


@pytest.mark.committed
def test_gdal_where_on_each_date_field_and_theme_matches_sql(live_server, mixed):
    url = f"{live_server.url}/ogc"
    day = (mixed["start"] + timedelta(days=9)).strftime("%Y-%m-%d")
    moment = (mixed["start"] + timedelta(days=12, hours=2)).strftime("%Y/%m/%d %H:%M:%S")
    iso = moment.replace("/", "-").replace(" ", "T") + "Z"
    cases = [
        (f"cree_le >= '{day}'", "c.created_at >= :day", {"day": f"{day}T00:00:00Z"}),
        (f"publie_le >= '{day}'", "c.published_at >= :day", {"day": f"{day}T00:00:00Z"}),
        (f"publie_le < '{moment}'", "c.published_at < :m", {"m": iso}),
        (
            f"cree_le > '{day}' AND cree_le < '{moment}'",
            "c.created_at > :day AND c.created_at < :m",
            {"day": f"{day}T00:00:00Z", "m": iso},
        ),
        ("publie_le IS NULL", "c.published_at IS NULL", {}),
        ("commentaires = 0 AND votes_pour >= 0", "c.comment_count = 0 AND c.agree_count >= 0", {}),
        ("qpv_code = 'QP062024' AND source = 'web'", "c.qpv_code = 'QP062024' AND c.source = 'web'", {}),
        ("titre LIKE 'Idée 1%'", "c.title LIKE 'Idée 1%'", {}),
        (f"theme = '{THEMES[1]}'", "c.theme_slug = :t", {"t": THEMES[1]}),
        (
            f"theme = '{THEMES[0]}' AND publie_le >= '{day}'",
            "c.theme_slug = :t AND c.published_at >= :day",
            {"t": THEMES[0], "day": f"{day}T00:00:00Z"},
        ),
    ]
    for where, condition, params in cases:
        for suffix in ("points", "lignes"):
            count, result = feature_count(url, f"mixte-{suffix}", "-where", where)
            expected = sql_count(mixed["main"], KINDS[suffix][0], condition, **params)
            assert count == expected, (where, suffix, count, expected)
            assert "filter=" in result.stderr, where  # evaluated by the server (CQL), not by GDAL
    everything = sql_count(mixed["main"], 0)
    assert 0 < sql_count(mixed["main"], 0, "c.published_at >= :day", day=f"{day}T00:00:00Z") < everything


@pytest.mark.committed
def test_gdal_spatial_filter_matches_sql(live_server, mixed):
    url = f"{live_server.url}/ogc"
    box = (LENS[0] - 0.0085, LENS[1] - 0.0005, LENS[0] - 0.0015, LENS[1] + 0.0015)
    for suffix, (dimension, _) in KINDS.items():
        count, _ = feature_count(url, f"mixte-{suffix}", "-spat", *map(str, box))
        expected = sql_count(
            mixed["main"],
            dimension,
            "ST_Intersects(c.geom, ST_MakeEnvelope(:a, :b, :c, :d, 4326))",
            a=box[0],
            b=box[1],
            c=box[2],
            d=box[3],
        )
        assert count == expected, suffix
    assert (
        0
        < sql_count(
            mixed["main"],
            0,
            "ST_Intersects(c.geom, ST_MakeEnvelope(:a, :b, :c, :d, 4326))",
            a=box[0],
            b=box[1],
            c=box[2],
            d=box[3],
        )
        < sql_count(mixed["main"], 0)
    )


@pytest.mark.committed
def test_gdal_converts_the_mixed_consultation_to_geopackage_and_shapefile(live_server, mixed, tmp_path):
    url = f"{live_server.url}/ogc"
    layers = ["mixte-points", "mixte-lignes", "mixte-zones"]
    gpkg = tmp_path / "mixte.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(gpkg), f"OAPIF:{url}", *layers)
    shapes = tmp_path / "shp"
    result = gdal("ogr2ogr", "-f", "ESRI Shapefile", str(shapes), f"OAPIF:{url}", *layers)
    assert "ERROR" not in result.stderr
    for layer in layers:
        dimension = KINDS[layer.rsplit("-", 1)[1]][0]
        expected = sql_count(mixed["main"], dimension)
        assert pyogrio.read_info(gpkg, layer=layer)["features"] == expected
        assert pyogrio.read_info(shapes / f"{layer}.shp")["features"] == expected
    check = subprocess.run(
        ["/usr/bin/python3", "-m", "osgeo_utils.samples.validate_gpkg", str(gpkg)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
