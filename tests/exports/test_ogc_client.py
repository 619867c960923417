"""An independent OGC API – Features client (OWSLib) against the live server."""

import pytest
from owslib.ogcapi.features import Features
from sqlalchemy import text

from app.extensions import db
from tests.exports.conftest import LENS


@pytest.mark.committed
def test_owslib_lists_collections_filters_by_bbox_and_pages_to_the_end(live_server, committed_data):
    api = Features(f"{live_server.url}/ogc")
    assert "conformsTo" in api.conformance()
    collections = {c["id"]: c for c in api.collections()["collections"]}
    assert "cite-12-14-points" in collections and "privee-points" not in collections
    assert collections["cite-12-14-points"]["extent"]["spatial"]["bbox"]

    bbox = [LENS[0] - 0.0105, LENS[1] - 0.001, LENS[0] - 0.0055, LENS[1] + 0.001]
    in_box = api.collection_items("cite-12-14-points", bbox=bbox, limit=100)
    expected = db.session.execute(
        text(
            "SELECT count(*) FROM contributions WHERE status = 'published' AND consultation_id = :id"
            " AND ST_Intersects(geom, ST_MakeEnvelope(:a, :b, :c, :d, 4326))"
        ),
        {"id": committed_data["main"].id, "a": bbox[0], "b": bbox[1], "c": bbox[2], "d": bbox[3]},
    ).scalar()
    assert in_box["numberMatched"] == len(in_box["features"]) == expected == 5

    seen, page = [], api.collection_items("cite-12-14-points", limit=7)
    while True:
        seen += [feature["id"] for feature in page["features"]]
        following = [link for link in page["links"] if link["rel"] == "next"]
        if not following:
            break
        after = int(following[0]["href"].split("after=")[1].split("&")[0])
        page = api.collection_items("cite-12-14-points", limit=7, after=after)
    published = db.session.execute(
        text("SELECT count(*) FROM contributions WHERE status = 'published' AND consultation_id = :id"),
        {"id": committed_data["main"].id},
    ).scalar()
    assert len(seen) == len(set(seen)) == published == 23


@pytest.mark.committed
def test_owslib_reads_a_private_collection_with_a_token(live_server, committed_data, monkeypatch):
    import owslib.ogcapi

    with pytest.raises(RuntimeError):
        Features(f"{live_server.url}/ogc").collection_items("privee-points")
    # OWSLib updates one module-level headers dict in place: give the token client its own copy.
    monkeypatch.setattr(owslib.ogcapi, "REQUEST_HEADERS", dict(owslib.ogcapi.REQUEST_HEADERS))
    api = Features(f"{live_server.url}/ogc", headers=committed_data["headers"])
    assert "privee-points" in {c["id"] for c in api.collections()["collections"]}
    assert len(api.collection_items("privee-points")["features"]) == 1
