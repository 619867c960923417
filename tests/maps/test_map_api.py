import pytest
from flask import g
from sqlalchemy import text

from app.extensions import db
from app.geo.tiles import cell_range, cells_envelope
from tests.conftest import bearer, login
from tests.maps.conftest import bbox_arg

# A small part of Lens inside the Cité 12/14 provisional perimeter.
AREA = (2.805, 50.430, 2.835, 50.445)


def _url(consultation, box, zoom, **filters):
    query = "".join(f"&{name}={value}" for name, value in filters.items())
    return f"/api/consultations/{consultation.slug}/map?bbox={bbox_arg(box)}&zoom={zoom}{query}"


def _map(client, consultation, box, zoom, headers=None, **filters):
    return client.get(_url(consultation, box, zoom, **filters), headers=headers)


def _published_in_cells(consultation, box, level, where="", **params):
    """Published contributions whose anchor lies in the cells the bbox touches (the inclusion rule)."""
    minlon, minlat, maxlon, maxlat = cells_envelope(cell_range(box, level), level)
    return db.session.scalar(
        text(
            "SELECT count(*) FROM contributions WHERE consultation_id = :cid AND status = 'published'"
            " AND ST_X(anchor) >= :minlon AND ST_X(anchor) < :maxlon"
            f" AND ST_Y(anchor) > :minlat AND ST_Y(anchor) <= :maxlat{where}"
        ),
        {
            "cid": consultation.id,
            "minlon": minlon,
            "minlat": minlat,
            "maxlon": maxlon,
            "maxlat": maxlat,
            **params,
        },
    )


def test_street_zoom_returns_individual_contributions_as_geojson(
    client, make_consultation, make_contribution
):
    consultation = make_consultation()
    idea = make_contribution(consultation, lon=2.82, lat=50.437, theme="mobilite-accessibilite")
    response = _map(client, consultation, (2.818, 50.436, 2.822, 50.438), 17)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Cache-Control"] == "public, max-age=30"
    assert {"Cookie", "Authorization"} <= set(response.vary)
    body = response.get_json(force=True)
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    (feature,) = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.82, 50.437]}
    assert feature["properties"] == {
        "id": idea.id,
        "theme": "mobilite-accessibilite",
        "agree": 0,
        "disagree": 0,
        "comments": 0,
        "outcome": None,
        "status": "published",
    }


def test_below_street_zoom_the_map_shows_aggregates(client, make_consultation, seed_points, rebuild):
    consultation = make_consultation()
    seed_points(consultation, 300, AREA)
    rebuild(consultation)
    body = _map(client, consultation, AREA, 15).get_json(force=True)
    assert body["features"] and all(f["properties"]["cluster"] is True for f in body["features"])
    assert {"cluster", "count", "theme"} == set(body["features"][0]["properties"])
    assert sum(f["properties"]["count"] for f in body["features"]) == _published_in_cells(
        consultation, AREA, body["level"]
    )
    street = _map(client, consultation, (2.818, 50.436, 2.822, 50.438), 16).get_json(force=True)
    assert street["features"] and "cluster" not in street["features"][0]["properties"]


def test_never_more_than_500_features_whatever_the_data(client, make_consultation, seed_points, rebuild):
    consultation = make_consultation()
    tiny = (2.8200, 50.4370, 2.8214, 50.4379)  # ~100 m square
    seed_points(consultation, 3000, tiny)
    seed_points(consultation, 3000, (2.70, 50.38, 2.95, 50.50))
    rebuild(consultation)
    for zoom in (16, 18, 20):
        body = _map(client, consultation, tiny, zoom).get_json(force=True)
        assert len(body["features"]) == 500 and body["truncated"] is True
    # When truncated, the 500 shown are the nearest to the centre of the screen.
    nearest = db.session.scalars(
        text(
            "SELECT id FROM contributions WHERE consultation_id = :cid AND anchor && ST_MakeEnvelope(:a, :b, :c, :d, 4326)"
            " ORDER BY anchor <-> ST_SetSRID(ST_MakePoint((:a + :c) / 2, (:b + :d) / 2), 4326) LIMIT 500"
        ),
        {"cid": consultation.id, "a": tiny[0], "b": tiny[1], "c": tiny[2], "d": tiny[3]},
    ).all()
    assert {f["properties"]["id"] for f in body["features"]} == set(nearest)
    for zoom in range(0, 16):
        for box in (tiny, (2.70, 50.38, 2.95, 50.50), (-5.0, 41.0, 9.9, 51.5)):
            body = _map(client, consultation, box, zoom).get_json(force=True)
            assert len(body["features"]) <= 500
            total = sum(f["properties"]["count"] for f in body["features"])
            assert total == _published_in_cells(consultation, box, body["level"])


def test_aggregates_add_up_to_every_published_contribution(
    client, make_consultation, seed_points, rebuild, make_user
):
    consultation = make_consultation()
    seed_points(consultation, 1200, AREA, outcomes=(None, "retenue", "a_l_etude"))
    seed_points(consultation, 200, AREA, status="pending", author=make_user())
    seed_points(consultation, 100, AREA, status="hidden")
    seed_points(consultation, 100, AREA, status="rejected")
    rebuild(consultation)
    whole = (2.70, 50.38, 2.95, 50.50)
    for zoom in (10, 12, 13, 14):
        body = _map(client, consultation, whole, zoom).get_json(force=True)
        assert sum(f["properties"]["count"] for f in body["features"]) == 1200
    for box in ((2.81, 50.432, 2.82, 50.44), (2.825, 50.431, 2.834, 50.444)):
        for zoom in (12, 13, 14, 15):
            body = _map(client, consultation, box, zoom).get_json(force=True)
            assert sum(f["properties"]["count"] for f in body["features"]) == _published_in_cells(
                consultation, box, body["level"]
            )


def test_filters_on_theme_qpv_and_outcome(client, make_consultation, seed_points, rebuild):
    consultation = make_consultation(qpv_codes=["QP062024", "QP062025"])
    seed_points(consultation, 600, AREA, qpv_code="QP062024", outcomes=(None, "retenue"))
    seed_points(consultation, 300, AREA, qpv_code="QP062025", outcomes=(None, "non_retenue"))
    rebuild(consultation)
    whole = (2.70, 50.38, 2.95, 50.50)

    def total(**filters):
        body = _map(client, consultation, whole, 13, **filters).get_json(force=True)
        return sum(f["properties"]["count"] for f in body["features"]), body["features"]

    def expected(where, **params):
        sql = "SELECT count(*) FROM contributions WHERE consultation_id = :cid AND status = 'published' AND "
        return db.session.scalar(text(sql + where), {"cid": consultation.id, **params})

    count, features = total(theme="logement-habitat")
    assert count == expected("theme_slug = 'logement-habitat'") > 0
    assert {f["properties"]["theme"] for f in features} == {"logement-habitat"}
    assert total(qpv="QP062025")[0] == 300
    assert total(outcome="retenue")[0] == expected("outcome = 'retenue'") > 0
    assert total(qpv="QP062024", outcome="non_retenue")[0] == 0
    count = total(theme="mobilite-accessibilite", qpv="QP062025")[0]
    assert count == expected("theme_slug = 'mobilite-accessibilite' AND qpv_code = 'QP062025'") > 0
    street = _map(client, consultation, (2.818, 50.436, 2.826, 50.44), 16, theme="logement-habitat")
    themes = {f["properties"]["theme"] for f in street.get_json(force=True)["features"]}
    assert themes == {"logement-habitat"}
    assert total(theme="inconnu")[0] == 0


def test_pending_contributions_are_shown_only_to_their_author(
    client, make_consultation, make_contribution, make_user
):
    consultation = make_consultation()
    author, other = make_user(), make_user()
    make_contribution(consultation, author=author, lon=2.82, lat=50.437, status="pending")
    make_contribution(consultation, author=author, lon=2.8201, lat=50.437, status="rejected")
    make_contribution(consultation, author=author, lon=2.8202, lat=50.437, status="hidden")
    make_contribution(consultation, author=other, lon=2.8203, lat=50.437)
    box = (2.818, 50.436, 2.822, 50.438)

    def statuses(headers=None):
        g.pop("_login_user", None)  # the tests' app context outlives each request
        body = _map(client, consultation, box, 17, headers=headers).get_json(force=True)
        return sorted(f["properties"]["status"] for f in body["features"])

    assert statuses() == ["published"]
    assert statuses(bearer(other)) == ["published"]
    assert statuses(bearer(author)) == ["pending", "published"]
    login(client, author)
    g.pop("_login_user", None)
    response = _map(client, consultation, box, 17)
    assert sorted(f["properties"]["status"] for f in response.get_json(force=True)["features"]) == [
        "pending",
        "published",
    ]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_fixed_number_of_sql_statements_whatever_the_data(
    client, make_consultation, seed_points, rebuild, count_queries, make_user
):
    consultation = make_consultation()
    seed_points(consultation, 10, AREA)
    rebuild(consultation)
    counts = []
    for size in (10, 3000):
        if size > 10:
            seed_points(consultation, size, AREA)
            rebuild(consultation)
        for zoom, filters in (
            (17, {}),
            (17, {"theme": "logement-habitat"}),
            (13, {}),
            (13, {"theme": "logement-habitat"}),
            (13, {"qpv": "QP062024"}),
        ):
            counts.append(_statements(count_queries, client, _url(consultation, AREA, zoom, **filters)))
    assert counts == [1] * len(counts)
    user = make_user()
    headers, url = bearer(user), _url(consultation, AREA, 17)
    g.pop("_login_user", None)
    assert _statements(count_queries, client, url, headers) <= 4  # token, user, its last use, the map
    login(client, user)
    g.pop("_login_user", None)
    assert _statements(count_queries, client, url) <= 2


def _statements(count_queries, client, url, headers=None):
    with count_queries() as statements:
        assert client.get(url, headers=headers).status_code == 200
    # SAVEPOINT/RELEASE are the test fixture's stand-in for the request's COMMIT.
    return len([s for s in statements if "SAVEPOINT" not in s])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("zoom=12", "bbox"),
        ("bbox=1,2,3&zoom=12", "bbox"),
        ("bbox=a,b,c,d&zoom=12", "bbox"),
        ("bbox=2.9,50.4,2.8,50.5&zoom=12", "bbox"),
        ("bbox=2.8,95,2.9,96&zoom=12", "bbox"),
        ("bbox=-40,40,10,50&zoom=12", "bbox"),
        ("bbox=2.8,50.4,2.9,50.5", "zoom"),
        ("bbox=2.8,50.4,2.9,50.5&zoom=25", "zoom"),
        ("bbox=2.8,50.4,2.9,50.5&zoom=loin", "zoom"),
        ("bbox=2.8,50.4,2.9,50.5&zoom=12&outcome=peut-etre", "outcome"),
        ("bbox=2.8,50.4,2.9,50.5&zoom=12&theme=<script>", "theme"),
        ("bbox=2.8,50.4,2.9,50.5&zoom=12&qpv=*", "qpv"),
    ],
)
def test_bad_parameters_get_a_422_with_french_fields(client, make_consultation, query, field):
    consultation = make_consultation()
    response = client.get(f"/api/consultations/{consultation.slug}/map?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert error["message"] == error["fields"][field][0]


def test_unknown_consultation_is_404(client):
    response = client.get("/api/consultations/inconnue/map?bbox=2.8,50.4,2.9,50.5&zoom=17")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "Cette concertation n'existe pas."
    assert client.get("/api/consultations/inconnue/map?bbox=2.8,50.4,2.9,50.5&zoom=12").status_code == 404


def test_the_endpoint_is_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/consultations/{slug}/map"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"bbox", "zoom", "theme", "qpv", "outcome"}


def test_a_filter_at_street_zoom_examines_the_5000_nearest_ideas(client, make_consultation, seed_points):
    consultation = make_consultation()
    tiny = (2.8200, 50.4370, 2.8214, 50.4379)
    seed_points(consultation, 5200, tiny)  # themes cycle over three, none of them "sante"
    db.session.execute(
        text(
            "INSERT INTO contributions (consultation_id, geom, anchor, theme_slug, title, body, status, source,"
            " agree_count, disagree_count, comment_count, workshop_agree_count, workshop_disagree_count,"
            " flag_count, created_at, updated_at) SELECT :cid, p, p, 'sante', 'Au coin', '', 'published', 'web',"
            " 0, 0, 0, 0, 0, 0, now(), now() FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS p) s"
        ),
        {"cid": consultation.id, "lon": tiny[2], "lat": tiny[3]},  # the farthest corner from the centre
    )
    far = _map(client, consultation, tiny, 17, theme="sante").get_json(force=True)
    assert far["features"] == [] and far["truncated"] is True  # zoom in to see more
    near = _map(client, consultation, (2.8210, 50.4376, 2.8216, 50.4381), 18, theme="sante")
    assert [f["properties"]["theme"] for f in near.get_json(force=True)["features"]] == ["sante"]
