"""Anonymous visitors reading pages get no session cookie (shared caches can serve them); the CSRF
token is given to signed-in people, to forms, and to scripts that ask /api/csrf-token."""

import re

from tests.conftest import csrf_token, login

META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _pages(consultation, idea):
    return [
        "/",
        f"/consultations/{consultation.slug}",
        f"/consultations/{consultation.slug}/carte",
        f"/consultations/{consultation.slug}/idees",
        f"/idees/{idea.id}",
    ]


def test_anonymous_pages_set_no_cookie(client, make_consultation, make_contribution):
    consultation = make_consultation()
    idea = make_contribution(consultation)
    for path in _pages(consultation, idea):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
        assert not META.search(response.get_data(as_text=True)), path


def test_signed_in_pages_carry_the_token(client, make_consultation, make_contribution, make_user):
    consultation = make_consultation()
    idea = make_contribution(consultation)
    login(client, make_user())
    for path in _pages(consultation, idea):
        assert META.search(client.get(path).get_data(as_text=True)), path


def test_scripts_get_a_token_that_works(client, make_consultation, make_contribution, make_user):
    consultation = make_consultation()
    idea = make_contribution(consultation)
    answer = client.get("/api/csrf-token")
    assert answer.status_code == 200 and "Set-Cookie" in answer.headers
    assert answer.headers["Cache-Control"] == "private, no-store"
    token = answer.get_json()["token"]
    login(client, make_user())
    vote = f"/api/contributions/{idea.id}/vote"
    assert client.post(vote, json={"value": 1}).status_code == 400  # no token: refused
    assert client.post(vote, json={"value": 1}, headers={"X-CSRFToken": token}).status_code == 200
    assert csrf_token(client)  # the pages of a signed-in resident still carry it
