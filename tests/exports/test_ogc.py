"""OGC API – Features under /ogc: documents, links, paging, filters, CRS, access rules."""

import re
from datetime import timedelta

import pytest

from app.consultations.models import utcnow
from app.extensions import db
from tests.conftest import login
from tests.exports.conftest import auth, transformed

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
CRS_EXT = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
L93 = "http://www.opengis.net/def/crs/EPSG/0/2154"


def rels(document):
    return {(link["rel"], link["type"]) for link in document["links"]}


def test_landing_conformance_and_api(client):
    landing = client.get("/ogc", headers={"Accept": "application/json"})
    assert landing.status_code == 200 and landing.mimetype == "application/json"
    links = rels(landing.get_json())
    assert {("self", "application/json"), ("alternate", "text/html"), ("data", "application/json")} <= links
    assert ("service-desc", "application/vnd.oai.openapi+json;version=3.0") in links
    assert ("conformance", "application/json") in links
    assert all(link["title"] for link in landing.get_json()["links"])
    conformance = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert CORE in conformance and CRS_EXT in conformance
    assert any(uri.endswith("/conf/geojson") for uri in conformance)
    assert any(uri.endswith("/conf/oas30") for uri in conformance)
    api = client.get("/ogc/api")
    assert api.mimetype == "application/vnd.oai.openapi+json"
    document = api.get_json()
    assert document["openapi"].startswith("3.0") and document["servers"][0]["url"].endswith("/ogc")
    limit = document["components"]["parameters"]["limit"]["schema"]
    assert (limit["default"], limit["maximum"]) == (100, 1000)
    assert "/collections/{collectionId}/items" in document["paths"]


def test_html_pages(client, export_data):
    for url in (
        "/ogc",
        "/ogc/conformance",
        "/ogc/api",
        "/ogc/collections",
        "/ogc/collections/cite-12-14-points",
    ):
        response = client.get(url, headers={"Accept": "text/html,*/*;q=0.8"})
        assert response.status_code == 200 and response.mimetype == "text/html", url
    page = client.get("/ogc/collections/cite-12-14-points/items?f=html&limit=5")
    assert page.status_code == 200 and "Contributions publiées" in page.get_data(as_text=True)
    item = client.get(f"/ogc/collections/cite-12-14-lignes/items/{export_data['line'].id}?f=html")
    assert "Une piste cyclable" in item.get_data(as_text=True)


def test_collections_list_public_consultations_with_extent(client, export_data, make_consultation):
    make_consultation(slug="privee", data_public=False)
    db.session.commit()
    collections = client.get("/ogc/collections").get_json()["collections"]
    ids = {c["id"] for c in collections}
    assert {"cite-12-14-points", "cite-12-14-lignes", "cite-12-14-zones", "vent-de-bise-points"} <= ids
    assert "vent-de-bise-lignes" not in ids and not any(i.startswith("privee") for i in ids)
    main = next(c for c in collections if c["id"] == "cite-12-14-points")
    minx, miny, maxx, maxy = main["extent"]["spatial"]["bbox"][0]
    assert 2.7 < minx < maxx < 2.9 and 50.3 < miny < maxy < 50.5
    assert len(main["extent"]["temporal"]["interval"][0]) == 2
    assert L93 in main["crs"] and main["itemType"] == "feature"
    assert ("items", "application/geo+json") in rels(main)
    with_token = client.get("/ogc/collections", headers=auth(export_data["urbanist"])).get_json()
    assert "privee-points" in {c["id"] for c in with_token["collections"]}


def test_items_page_links_and_keyset_paging(client, export_data, count_queries):
    points = sorted(
        c.id for c in export_data["published"] if c not in (export_data["line"], export_data["polygon"])
    )
    with count_queries() as statements:
        response = client.get("/ogc/collections/cite-12-14-points/items?limit=4")
    queries = [s for s in statements if "SAVEPOINT" not in s]  # savepoints belong to the test fixture
    assert len(queries) == 2  # the collection (and no parallel workers), the page: no count
    # No OFFSET paging (`OFFSET 0` only fences the id window off the filters) and no count.
    assert re.search(r"OFFSET (?!0\b)", queries[1]) is None and "count(" not in queries[1].replace(
        "count(*) FROM fast", ""
    )
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    page = response.get_json()
    assert "numberMatched" not in page  # not free: omitted, as OGC allows
    assert (page["numberReturned"], len(page["features"])) == (4, 4)
    assert {("self", "application/geo+json"), ("next", "application/geo+json")} <= rels(page)
    ids, url = [], "/ogc/collections/cite-12-14-points/items?limit=4"
    while url:
        page = client.get(url).get_json()
        ids += [feature["id"] for feature in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        assert url is None or f"after={ids[-1]}" in url
    assert ids == points
    feature = page["features"][-1]
    assert set(feature["properties"]) >= {"titre", "theme", "qpv_code", "votes_pour", "cree_le", "url"}
    assert feature["properties"]["statut"] == "published"
    whole = client.get("/ogc/collections/cite-12-14-points/items?limit=100").get_json()
    assert whole["numberMatched"] == whole["numberReturned"] == len(points)  # free: one complete page


@pytest.mark.parametrize("window", [1, 3, 50_000])
def test_pages_are_the_same_whichever_path_finds_them(client, export_data, monkeypatch, window):
    """The id window (dense matches) and the index path after it (rare matches) give the SQL order."""
    from app.exports import ogc_queries

    monkeypatch.setattr(ogc_queries, "WINDOW", window)
    points = sorted(
        c.id for c in export_data["published"] if c not in (export_data["line"], export_data["polygon"])
    )
    low = min(points)
    for bbox in ("2.5,50.2,3.1,50.6", "-10,-10,-9,-9"):
        ids, url = [], f"/ogc/collections/cite-12-14-points/items?limit=2&bbox={bbox}"
        while url:
            page = client.get(url).get_json()
            ids += [feature["id"] for feature in page["features"]]
            url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        assert ids == (points if bbox.startswith("2.5") else []), (window, bbox)
    # A cursor far before the first id: the window holds nothing, the index path finds every page.
    page = client.get(
        f"/ogc/collections/cite-12-14-points/items?limit=100&after={max(low - 10, 0)}"
    ).get_json()
    assert [feature["id"] for feature in page["features"]] == points


def test_one_geometry_type_per_collection(client, export_data):
    expected = {"points": "Point", "lignes": "LineString", "zones": "Polygon"}
    for suffix, geometry_type in expected.items():
        cid = f"cite-12-14-{suffix}"
        collection = client.get(f"/ogc/collections/{cid}").get_json()
        assert collection["geometryType"] == geometry_type
        features = client.get(f"/ogc/collections/{cid}/items").get_json()["features"]
        assert features and {f["geometry"]["type"] for f in features} == {geometry_type}
    assert client.get("/ogc/collections/cite-12-14").status_code == 404
    line = export_data["line"].id
    assert client.get(f"/ogc/collections/cite-12-14-points/items/{line}").status_code == 404


def test_schema_and_queryables_type_every_property(client, export_data):
    collection = client.get("/ogc/collections/cite-12-14-lignes").get_json()
    links = {link["rel"]: link for link in collection["links"]}
    assert links["describedby"]["type"] == "application/schema+json"
    schema = client.get(links["describedby"]["href"]).get_json()
    properties = schema["properties"]["properties"]["properties"]
    assert properties["soutiens"]["type"] == "integer"  # always empty in this consultation: still typed
    assert properties["publie_le"] == {"title": "Publiée le (UTC)", "type": "string", "format": "date-time"}
    assert schema["properties"]["geometry"]["properties"]["type"]["enum"] == ["LineString"]
    queryables = client.get(links["http://www.opengis.net/def/rel/ogc/1.0/queryables"]["href"])
    assert queryables.mimetype == "application/schema+json"
    body = queryables.get_json()
    assert body["properties"]["cree_le"]["x-ogc-role"] == "primary-instant"
    assert body["properties"]["geometry"]["format"] == "geometry-linestring"
    assert {"theme", "publie_le", "votes_pour"} <= set(body["properties"])


def test_items_filters(client, export_data):
    line = export_data["line"]
    bbox = "2.8140,50.4365,2.8155,50.4375"  # around the line's first vertex only
    in_box = client.get(f"/ogc/collections/cite-12-14-lignes/items?bbox={bbox}").get_json()
    assert [f["id"] for f in in_box["features"]] == [line.id]
    themed = client.get("/ogc/collections/cite-12-14-points/items?theme=mobilite-accessibilite").get_json()
    assert {f["properties"]["theme"] for f in themed["features"]} == {"mobilite-accessibilite"}
    assert themed["numberMatched"] == 2
    assert client.get("/ogc/collections/cite-12-14-points/items?qpv=QP062028").get_json()["features"] == []
    old = export_data["published"][5]
    cutoff = (utcnow() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = client.get(f"/ogc/collections/cite-12-14-points/items?datetime=../{cutoff}").get_json()
    assert [f["id"] for f in before["features"]] == [old.id]
    after = client.get(f"/ogc/collections/cite-12-14-points/items?datetime={cutoff}/..").get_json()
    assert after["numberMatched"] == len(export_data["published"]) - 3  # minus the old one, line, zone
    day = old.created_at.strftime("%Y-%m-%d")
    for value in (day, f"{day}T", f"{day}T/{day}T"):  # GDAL 3.6 sends a date-only bound as « …T »
        response = client.get(f"/ogc/collections/cite-12-14-points/items?datetime={value}")
        assert response.status_code == 200, value
        assert [f["id"] for f in response.get_json()["features"]] == [old.id], value


def test_lambert93_output_and_bbox_crs(client, export_data):
    point = export_data["published"][0]
    x, y = transformed(point.id, 2154)
    bbox = f"{x - 5},{y - 5},{x + 5},{y + 5}"
    response = client.get(f"/ogc/collections/cite-12-14-points/items?crs={L93}&bbox-crs={L93}&bbox={bbox}")
    assert response.headers["Content-Crs"] == f"<{L93}>"
    features = response.get_json()["features"]
    assert [f["id"] for f in features] == [point.id]
    assert "crs" not in features[0]["geometry"]  # RFC 7946: no crs member in geometries
    fx, fy = features[0]["geometry"]["coordinates"]
    assert abs(fx - x) < 0.01 and abs(fy - y) < 0.01


def test_single_item(client, export_data):
    line = export_data["line"]
    response = client.get(f"/ogc/collections/cite-12-14-lignes/items/{line.id}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    feature = response.get_json()
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "LineString"
    assert ("collection", "application/json") in rels(feature)
    for hidden in (export_data["pending"], export_data["hidden"], export_data["other"]):
        assert client.get(f"/ogc/collections/cite-12-14-points/items/{hidden.id}").status_code == 404


def test_not_found_answers_html_to_a_browser(client, export_data):
    page = client.get("/ogc/collections/inconnue-points", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert client.get("/ogc/collections/inconnue-points?f=html").mimetype == "text/html"
    data = client.get("/ogc/collections/inconnue-points")
    assert data.status_code == 404 and data.get_json()["error"]["code"] == "not_found"


def test_openapi_has_response_schemas_and_403(client):
    document = client.get("/ogc/api").get_json()
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    ok = items["responses"]["200"]["content"]["application/geo+json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/featureCollection"}
    assert "403" in items["responses"] and "401" in items["responses"]
    assert items["responses"]["403"]["content"]["application/json"]["schema"]["$ref"].endswith("/error")
    assert "features" in document["components"]["schemas"]["featureCollection"]["properties"]
    names = {p["$ref"].rsplit("/", 1)[1] for p in items["parameters"]}
    assert {"filter", "filter-lang", "after"} <= names and "offset" not in names
    assert "cql-text" in document["components"]["parameters"]["filter-lang"]["schema"]["enum"]  # GDAL 3.6
    assert {"basic", "bearer"} <= set(document["components"]["securitySchemes"])


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=abc",
        "after=-1",
        "filter=titre%20%3D",
        "filter=inconnu%20%3D%201",
        "filter-lang=sql",
        "bbox=1,2,3",
        "bbox=3,2,1,0",
        "crs=EPSG:3857",
        "datetime=hier",
        "foo=1",
        "f=xml",
    ],
)
def test_invalid_parameters_are_400(client, export_data, query):
    response = client.get(
        f"/ogc/collections/cite-12-14-points/items?{query}&filter-lang=cql2-text"
        if query.startswith("filter=")
        else f"/ogc/collections/cite-12-14-points/items?{query}"
    )
    assert response.status_code == 400, query
    assert response.get_json()["error"]["code"] == "bad_request"


def test_limit_above_maximum_is_capped(client, export_data):
    page = client.get("/ogc/collections/cite-12-14-points/items?limit=5000").get_json()
    assert page["numberReturned"] == len(export_data["published"]) - 2


def test_private_collection_needs_an_urbanist_token(
    client, export_data, make_consultation, make_contribution, make_user
):
    private = make_consultation(slug="privee", data_public=False)
    make_contribution(private)
    resident = make_user()
    db.session.commit()
    anonymous = client.get("/ogc/collections/privee-points/items")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/ogc/collections/privee-points/items", headers=auth(resident)).status_code == 403
    allowed = client.get("/ogc/collections/privee-points/items", headers=auth(export_data["urbanist"]))
    assert allowed.status_code == 200 and allowed.get_json()["numberMatched"] == 1
    login(client, export_data["urbanist"])
    assert client.get("/ogc/collections/privee-points").status_code == 200
    assert client.get("/ogc/collections/inconnue-points").status_code == 404
