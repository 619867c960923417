"""Odd input never reaches the database as an error: 404/422 in French, never a 500."""

import pytest

from tests.conftest import bearer


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/api/contributions/99999999999", 404),
        ("get", "/idees/99999999999", 404),
        ("get", "/api/contributions/99999999999/comments", 404),
        ("post", "/api/contributions/99999999999/vote", 422),  # the body is checked first
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
