"""Odd input never reaches the database as an error: 404/422 in French, never a 500."""

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import bearer
from tests.contributions.conftest import count_contributions
from tests.contributions.test_api import _payload


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/api/contributions/99999999999", 404),
        ("get", "/idees/99999999999", 404),
        ("get", "/api/contributions/99999999999/comments", 404),
        ("post", "/api/contributions/99999999999/vote", 404),  # beyond PostgreSQL's integer: no such URL
        ("get", "/api/consultations/{slug}/contributions?q=%00", 200),
        ("get", "/api/consultations/{slug}/contributions?theme=%00", 422),
        ("get", "/api/consultations/{slug}/contributions?page=0", 422),
        ("get", "/api/consultations/a%00b/contributions", 404),
        ("get", "/consultations/{slug}/idees?q=%00&theme=%00&page=-3", 200),
        ("get", "/consultations/a%00b/carte", 404),
    ],
)
def test_odd_urls_get_a_clean_answer(client, consultation, resident, method, path, status):
    response = getattr(client, method)(path.format(slug=consultation.slug), headers=bearer(resident))
    assert response.status_code == status


def test_odd_bodies_get_a_clean_answer(client, consultation, make_contribution, resident):
    contribution = make_contribution(consultation)
    headers = bearer(resident)
    comments = f"/api/contributions/{contribution.id}/comments"
    assert client.post(comments, json={"body": "Oui", "parent_id": 2**40}, headers=headers).status_code == 404
    assert client.post(comments, json={"body": "\x00\x01"}, headers=headers).status_code == 422
    vote = f"/api/contributions/{contribution.id}/vote"
    assert client.post(vote, json={"value": 10**30}, headers=headers).status_code == 422
    assert client.post(vote, json={"value": True}, headers=headers).status_code == 422
    broken = client.post(
        "/api/contributions", data="{pas du json", content_type="application/json", headers=headers
    )
    assert broken.status_code in (400, 422) and broken.json["error"]["message"]
    geometry = {"type": "Point", "coordinates": [1e308, -1e308]}
    payload = {"consultation": consultation.slug, "geometry": geometry, "theme": "sante", "title": "abc"}
    assert client.post("/api/contributions", json=payload, headers=headers).status_code == 422


# Found by schemathesis on /api/openapi.json (admin token): each was a 500 before.
TOO_BIG = 2**31  # one past PostgreSQL's integer


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", f"/api/exports/{10**15}"),
        ("get", f"/api/workshops/{TOO_BIG}/grid"),
        ("get", f"/api/workshops/{TOO_BIG}/map.pdf"),
        ("post", f"/api/contributions/{TOO_BIG}/flags"),
        ("post", f"/api/comments/{10**13}/flags"),
        ("post", f"/api/moderation/contributions/{10**18}/decision"),
    ],
)
def test_ids_beyond_the_integer_range_are_not_found(client, make_user, method, path):
    response = getattr(client, method)(
        path, json={"reason": "autre", "action": "approve"}, headers=bearer(make_user("admin"))
    )
    assert response.status_code == 404, response.json
    assert response.json["error"]["code"] == "not_found"


def test_ids_beyond_the_integer_range_in_a_body_are_invalid(
    client, consultation, make_contribution, make_user
):
    headers = bearer(make_user("admin"))
    source = make_contribution(consultation)  # an idea that exists: the moderator's scope is read from it
    merge = client.post(
        f"/api/moderation/contributions/{source.id}/merge", json={"into": -(10**17)}, headers=headers
    )
    bulk = client.post(
        "/api/moderation/contributions/bulk", json={"action": "approve", "ids": [TOO_BIG]}, headers=headers
    )
    for response in (merge, bulk):
        assert response.status_code == 422, response.json
        assert "Identifiant invalide." in str(response.json["error"]["fields"])


def test_a_body_that_is_not_an_object_is_invalid(client, make_user):
    response = client.post("/api/exports", json=[None, None], headers=bearer(make_user("urbanist")))
    assert response.status_code == 422, response.json


def test_a_nul_character_is_refused_or_removed(client, consultation, make_user):
    # In a lookup (a consultation's slug), PostgreSQL refuses it: 422 in French, nothing written.
    refused = client.post(
        "/api/exports",
        json={"format": "csv", "consultation": "cite\u0000"},
        headers=bearer(make_user("urbanist")),
    )
    assert refused.status_code == 422, refused.json
    assert "caractère nul" in refused.json["error"]["message"]
    assert db.session.scalar(text("SELECT count(*) FROM exports")) == 0
    # In a text that is stored, the sanitizer removes it.
    payload = {**_payload(consultation), "title": "Un banc\u0000 à l'ombre"}
    created = client.post("/api/contributions", json=payload, headers=bearer(make_user()))
    assert created.status_code == 201 and "\x00" not in created.json["title"]
    assert count_contributions() == 1
