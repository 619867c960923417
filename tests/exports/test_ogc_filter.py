"""OGC API – Features Part 3: CQL2 text and JSON filters give exactly what SQL gives; Basic auth."""

import base64
import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import text

from app.consultations.models import utcnow
from app.extensions import db
from tests.conftest import bearer

ITEMS = "/ogc/collections/cite-12-14-points/items"


def ids(client, cql, lang="cql2-text", **extra):
    filter_text = json.dumps(cql) if lang == "cql2-json" else cql
    url = f"{ITEMS}?limit=1000&filter-lang={lang}&filter={quote(filter_text)}"
    for key, value in extra.items():
        url += f"&{key}={quote(value)}"
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return sorted(feature["id"] for feature in response.get_json()["features"])


def sql_ids(export_data, condition, **params):
    rows = db.session.execute(
        text(
            "SELECT c.id FROM contributions c JOIN consultations co ON co.id = c.consultation_id"
            " WHERE c.consultation_id = :cid AND c.status = 'published' AND ST_Dimension(c.geom) = 0"
            f" AND ({condition}) ORDER BY c.id"
        ),
        {"cid": export_data["main"].id, **params},
    )
    return [row[0] for row in rows]


@pytest.fixture
def dated(export_data):
    """Publication dates spread over 10 days (the creation dates differ), one never published."""
    points = [c for c in export_data["published"] if c not in (export_data["line"], export_data["polygon"])]
    start = utcnow().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=20)
    for index, contribution in enumerate(points):
        contribution.published_at = start + timedelta(days=index, hours=index)
    points[-1].published_at = None
    db.session.commit()
    return start


def test_text_comparisons_and_logic_match_sql(client, export_data, dated):
    day = (dated + timedelta(days=3)).strftime("%Y-%m-%d")
    cases = [
        ("theme = 'mobilite-accessibilite'", "c.theme_slug = 'mobilite-accessibilite'"),
        ("theme <> 'mobilite-accessibilite'", "c.theme_slug <> 'mobilite-accessibilite'"),
        (f"publie_le >= '{day}'", f"c.published_at >= '{day}T00:00:00Z'"),
        (f"publie_le < DATE('{day}')", f"c.published_at < '{day}T00:00:00Z'"),
        (f"publie_le >= '{day}T'", f"c.published_at >= '{day}T00:00:00Z'"),  # GDAL 3.6's date-only
        (
            f"publie_le > TIMESTAMP('{day}T12:30:00Z') AND theme = 'cadre-de-vie-espaces-publics'",
            f"c.published_at > '{day}T12:30:00Z' AND c.theme_slug = 'cadre-de-vie-espaces-publics'",
        ),
        ("NOT (commentaires > 0) OR votes_pour >= 1", "NOT (c.comment_count > 0) OR c.agree_count >= 1"),
        ("commentaires BETWEEN 1 AND 5", "c.comment_count BETWEEN 1 AND 5"),
        ("titre LIKE 'Idée%'", "c.title LIKE 'Idée%'"),
        ("theme IN ('mobilite-accessibilite', 'inconnu')", "c.theme_slug IN ('mobilite-accessibilite')"),
        ("publie_le IS NULL", "c.published_at IS NULL"),
        ("source = 'workshop'", "c.source = 'workshop'"),
        ("CASEI(titre) LIKE CASEI('IDÉE N°1%')", "lower(c.title) LIKE lower('IDÉE N°1%')"),
        (
            f"cree_le > '{(utcnow() - timedelta(days=30)).strftime('%Y-%m-%dT%H:%M:%SZ')}'",
            "c.created_at > now() - interval '30 days'",
        ),
    ]
    for cql, condition in cases:
        expected = sql_ids(export_data, condition)
        assert ids(client, cql) == expected, cql
        assert ids(client, cql, "cql-text") == expected, cql  # GDAL 3.6's name of the same grammar
    everything = sql_ids(export_data, "TRUE")
    assert 0 < len(sql_ids(export_data, f"c.published_at >= '{day}T00:00:00Z'")) < len(everything)


def test_json_filters_and_spatial_intersects(client, export_data):
    box = [2.8140, 50.4360, 2.8175, 50.4385]
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]], [box[0], box[1]]]
        ],
    }
    intersects = {"op": "s_intersects", "args": [{"property": "geometry"}, polygon]}
    expected = sql_ids(
        export_data,
        "ST_Intersects(c.geom, ST_MakeEnvelope(:a, :b, :c, :d, 4326))",
        a=box[0],
        b=box[1],
        c=box[2],
        d=box[3],
    )
    assert 0 < len(expected) < len(sql_ids(export_data, "TRUE"))
    assert ids(client, intersects, "cql2-json") == expected
    wkt = f"POLYGON(({box[0]} {box[1]}, {box[2]} {box[1]}, {box[2]} {box[3]}, {box[0]} {box[3]}, {box[0]} {box[1]}))"
    assert ids(client, f"S_INTERSECTS(geometry, {wkt})") == expected
    themed = {
        "op": "and",
        "args": [intersects, {"op": "=", "args": [{"property": "theme"}, "cadre-de-vie-espaces-publics"]}],
    }
    assert ids(client, themed, "cql2-json") == sql_ids(
        export_data,
        "ST_Intersects(c.geom, ST_MakeEnvelope(:a, :b, :c, :d, 4326)) AND c.theme_slug = 'cadre-de-vie-espaces-publics'",
        a=box[0],
        b=box[1],
        c=box[2],
        d=box[3],
    )


@pytest.mark.parametrize(
    "cql",
    [
        "email = 'x'",  # not a queryable: no column outside the whitelist
        "theme = 'a' OR",
        "votes_pour = 'beaucoup'",
        "publie_le > 'hier'",
        "titre LIKE 5 OR 1 = 1",
        "votes_pour > 1e999",
        "CASEI(votes_pour) = 1",
        "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 0 1, 1 0, 0 0)))",
    ],
)
def test_bad_filters_are_400_in_french(client, export_data, cql):
    response = client.get(f"{ITEMS}?filter={quote(cql)}")
    assert response.status_code == 400, cql
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and "filter" in error["fields"]


def basic(raw, user="qgis"):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{raw}".encode()).decode()}


def test_basic_auth_with_the_token_as_password(
    client, export_data, make_consultation, make_contribution, make_user
):
    private = make_consultation(slug="privee", data_public=False)
    make_contribution(private)
    resident = make_user()
    raw = bearer(export_data["urbanist"])["Authorization"].removeprefix("Bearer ")
    resident_raw = bearer(resident)["Authorization"].removeprefix("Bearer ")
    db.session.commit()
    url = "/ogc/collections/privee-points/items"
    assert client.get(url, headers=basic("faux")).status_code == 401
    assert client.get(url, headers=basic(resident_raw)).status_code == 403
    allowed = client.get(url, headers=basic(raw, user="n'importe qui"))
    assert allowed.status_code == 200 and len(allowed.get_json()["features"]) == 1
    assert client.get("/ogc/collections", headers=basic(raw)).get_json()["collections"]
    # Basic is read-only and limited to /ogc and downloads: never the JSON API nor any write.
    assert client.get("/api/exports", headers=basic(raw)).status_code == 401
    created = client.post(
        "/api/exports", json={"format": "csv", "consultation": "privee"}, headers=basic(raw)
    )
    assert created.status_code == 401


def test_export_download_with_basic_auth(client, export_data, export_file):
    path, state = export_file(export_data["urbanist"], format="csv", consultation="cite-12-14")
    raw = bearer(export_data["urbanist"])["Authorization"].removeprefix("Bearer ")
    db.session.commit()
    download = client.get(state["download_url"], headers=basic(raw))
    assert download.status_code == 200 and download.data == path.read_bytes()
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset said once
    refused = client.get(state["download_url"], headers=basic("faux"))
    assert refused.status_code in (302, 401)
