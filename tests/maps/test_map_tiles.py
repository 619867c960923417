"""Map data by tile below the street zoom: the same bytes for every anonymous visitor, cacheable,
with an ETag that changes when the grid is rebuilt."""

import math

from app.geo.tiles import cell_range, grid_level, world_x, world_y
from app.maps.tiles import tile_level
from tests.conftest import login
from tests.maps.conftest import bbox_arg

AREA = (2.805, 50.430, 2.835, 50.445)


def _tile_of(lon, lat, z):
    n = 2**z
    return math.floor(world_x(lon) * n), math.floor(world_y(lat) * n)


def _tiles(box, z):
    (x0, y0), (x1, y1) = _tile_of(box[0], box[3], z), _tile_of(box[2], box[1], z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _url(consultation, z, x, y, query=""):
    return f"/api/consultations/{consultation.slug}/map/{z}/{x}/{y}{query}"


def test_anonymous_tiles_are_cacheable_identical_and_cookie_free(
    app, make_consultation, seed_points, rebuild
):
    consultation = make_consultation()
    seed_points(consultation, 300, AREA)
    rebuild(consultation)
    (x, y), *_ = _tiles(AREA, 13)
    first, second = app.test_client(), app.test_client()
    one, two = first.get(_url(consultation, 13, x, y)), second.get(_url(consultation, 13, x, y))
    assert one.status_code == two.status_code == 200
    assert one.mimetype == "application/geo+json"
    assert "Set-Cookie" not in one.headers and "Set-Cookie" not in two.headers
    assert one.get_data() == two.get_data()
    assert one.headers["ETag"] == two.headers["ETag"]
    cache = one.headers["Cache-Control"]
    assert cache.startswith("public, max-age=") and "stale-while-revalidate=" in cache
    assert "Cookie" not in one.headers.get("Vary", "")
    features = one.get_json(force=True)["features"]
    assert features and all(f["properties"]["cluster"] for f in features)


def test_tiles_of_a_viewport_hold_the_same_aggregates_as_its_bbox(
    client, make_consultation, seed_points, rebuild
):
    consultation = make_consultation()
    seed_points(consultation, 400, AREA)
    rebuild(consultation)
    for z in (11, 13, 15):
        assert grid_level(AREA, z) == tile_level(z)
        viewport = client.get(
            f"/api/consultations/{consultation.slug}/map?bbox={bbox_arg(AREA)}&zoom={z}"
        ).get_json(force=True)
        x0, y0, x1, y1 = cell_range(AREA, tile_level(z))
        n = 2 ** tile_level(z)
        in_view = set()
        for x, y in _tiles(AREA, z):
            for f in client.get(_url(consultation, z, x, y)).get_json(force=True)["features"]:
                lon, lat = f["geometry"]["coordinates"]
                cell = (math.floor(world_x(lon) * n), math.floor(world_y(lat) * n))
                if x0 <= cell[0] <= x1 and y0 <= cell[1] <= y1:
                    in_view.add((lon, lat, f["properties"]["count"], f["properties"]["theme"]))
        expected = {
            (*f["geometry"]["coordinates"], f["properties"]["count"], f["properties"]["theme"])
            for f in viewport["features"]
        }
        assert in_view == expected and sum(item[2] for item in expected) > 0


def test_etag_changes_after_a_grid_rebuild_and_304_when_unchanged(
    client, make_consultation, seed_points, rebuild
):
    consultation = make_consultation()
    seed_points(consultation, 50, AREA)
    rebuild(consultation)
    url = _url(consultation, 13, *_tiles(AREA, 13)[0])
    first = client.get(url)
    etag = first.headers["ETag"]
    cached = client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.get_data() == b""
    assert cached.headers["ETag"] == etag and cached.headers["Cache-Control"].startswith("public")
    seed_points(consultation, 50, AREA)
    rebuild(consultation)
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    total = sum(
        f["properties"]["count"] for x, y in _tiles(AREA, 13) for f in _features(client, consultation, x, y)
    )
    assert total == 100


def _features(client, consultation, x, y):
    return client.get(_url(consultation, 13, x, y)).get_json(force=True)["features"]


def test_tiles_filter_by_theme_and_refuse_street_zoom_or_unknown(
    client, make_consultation, seed_points, rebuild
):
    consultation = make_consultation()
    seed_points(consultation, 90, AREA)
    rebuild(consultation)
    themed = [
        client.get(_url(consultation, 9, x, y, "?theme=logement-habitat")).get_json(force=True)
        for x, y in _tiles(AREA, 9)
    ]
    assert sum(f["properties"]["count"] for tile in themed for f in tile["features"]) == 30
    x, y = _tiles(AREA, 9)[0]
    assert client.get(_url(consultation, 16, 0, 0)).status_code == 422
    assert client.get(_url(consultation, 3, 8, 0)).status_code == 422
    assert client.get(_url(consultation, 9, x, y, "?outcome=nimporte")).status_code == 422
    missing = client.get(f"/api/consultations/inconnue/map/9/{x}/{y}")
    assert missing.status_code == 404 and "Set-Cookie" not in missing.headers


def test_signed_in_author_still_sees_a_pending_idea_at_street_zoom(
    client, make_consultation, make_user, make_contribution
):
    consultation = make_consultation()
    author = make_user()
    idea = make_contribution(consultation, lon=2.82, lat=50.437, status="pending", author=author)
    url = f"/api/consultations/{consultation.slug}/map?bbox=2.818,50.436,2.822,50.438&zoom=17"
    assert client.get(url).get_json(force=True)["features"] == []
    login(client, author)
    (feature,) = client.get(url).get_json(force=True)["features"]
    assert feature["properties"]["id"] == idea.id and feature["properties"]["status"] == "pending"
