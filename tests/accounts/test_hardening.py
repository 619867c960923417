"""Issue 11 (smaller holes): common passwords, lock-out with back-off, token expiry and revocation,
CSRF with a Bearer header, deeply nested JSON."""

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.accounts.models import ApiToken, User
from app.accounts.views import LOGIN_FAILED
from app.consultations.models import utcnow
from app.extensions import db, redis_connection
from app.request_guards import json_too_deep
from app.templating import paris_date
from tests.accounts.conftest import post_form, save
from tests.accounts.test_reset import NEW_PASSWORD, _request_link
from tests.conftest import PASSWORD, bearer, login

DEEP = "[" * 100_000 + "]" * 100_000


def _html(response):
    return unescape(response.get_data(as_text=True))


def _login(client, email, password):
    return post_form(client, "/connexion", {"email": email, "password": password})


# --- common passwords --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "password", ["azertyuiop", "1234567890", "motdepasse123", "password123", "aaaaaaaaaa"]
)
def test_common_passwords_of_ten_characters_are_refused_in_french(client, signup_data, password):
    response = post_form(client, "/inscription", {**signup_data, "password": password})
    assert response.status_code == 422
    assert "Ce mot de passe fait partie des plus courants" in _html(response)
    assert db.session.scalar(select(User).where(User.email == signup_data["email"])) is None


def test_a_password_made_of_the_email_or_the_pseudonym_is_refused(client, signup_data):
    data = {**signup_data, "email": "marie.dupont62@exemple.fr", "pseudonym": "Marie Dupont"}
    for password in ("marie.dupont62", "Marie Dupont62!"):
        response = post_form(client, "/inscription", {**data, "password": password})
        assert response.status_code == 422 and "plus courants" in _html(response)


def test_a_reset_refuses_a_common_password(client, make_user, run_jobs):
    user = make_user()
    path = _request_link(client, run_jobs, user.email)
    response = post_form(client, path, {"password": "azertyuiop", "confirm": "azertyuiop"})
    assert response.status_code == 422 and "plus courants" in _html(response)


# --- lock-out ----------------------------------------------------------------------------------------
def _unlock_now(user):
    user.locked_until = utcnow() - timedelta(seconds=1)
    save()


def test_five_failures_lock_the_account_with_a_doubling_delay_kept_in_the_database(app, make_user):
    user = make_user()
    for _ in range(5):
        assert _login(app.test_client(), user.email, "pas le bon mot de passe").status_code == 422
    db.session.expire_all()
    assert user.failed_logins == 5
    assert 50 < (user.locked_until - utcnow()).total_seconds() <= 60
    redis_connection().flushdb()  # not a rate limit: the lock lives in PostgreSQL

    locked = _login(app.test_client(), user.email, PASSWORD)  # even the right password
    unknown = _login(app.test_client(), "personne@exemple.fr", PASSWORD)
    assert locked.status_code == unknown.status_code == 422
    for response in (locked, unknown):  # the same words whether the account exists or not
        assert str(LOGIN_FAILED) in _html(response) and "Bonjour" not in _html(response)
    assert app.test_client().get("/api/me").status_code == 401

    _unlock_now(user)  # the delay is over: one more failure locks twice as long
    _login(app.test_client(), user.email, "toujours pas le bon")
    db.session.expire_all()
    assert user.failed_logins == 6 and 110 < (user.locked_until - utcnow()).total_seconds() <= 120

    _unlock_now(user)
    assert _login(app.test_client(), user.email, PASSWORD).status_code == 302
    db.session.expire_all()
    assert user.failed_logins == 0 and user.locked_until is None


def test_the_lock_delay_is_capped_and_a_reset_link_unlocks(app, client, make_user, run_jobs, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LOCK_MAX_SECONDS", 600)
    user = make_user()
    user.failed_logins = 20
    save()
    _login(app.test_client(), user.email, "faux mot de passe")
    db.session.expire_all()
    assert 590 < (user.locked_until - utcnow()).total_seconds() <= 600
    path = _request_link(client, run_jobs, user.email)
    assert post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    db.session.expire_all()
    assert user.failed_logins == 0 and user.locked_until is None


# --- API tokens ----------------------------------------------------------------------------------------
def _tokens(user):
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).all()


def test_api_tokens_expire_after_the_configured_number_of_days(app, client, make_user, monkeypatch):
    user = make_user()
    header = bearer(user)
    (token,) = _tokens(user)
    assert token.expires_at - token.created_at == timedelta(days=90)
    assert client.get("/api/me", headers=header).status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    save()
    response = client.get("/api/me", headers=header)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"

    monkeypatch.setitem(app.config, "API_TOKEN_DAYS", 7)
    bearer(user)
    assert _tokens(user)[-1].expires_at - _tokens(user)[-1].created_at == timedelta(days=7)


def test_a_password_reset_revokes_every_api_token(client, make_user, run_jobs):
    user = make_user()
    headers = [bearer(user), bearer(user)]
    assert all(client.get("/api/me", headers=h).status_code == 200 for h in headers)
    path = _request_link(client, run_jobs, user.email)
    assert post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    db.session.expire_all()
    assert all(t.revoked_at is not None for t in _tokens(user))
    assert all(client.application.test_client().get("/api/me", headers=h).status_code == 401 for h in headers)


def test_tokens_page_shows_last_use_and_expiry_and_last_use_is_written_once_a_minute(
    client, make_user, count_queries
):
    user = make_user()
    header = bearer(user)
    bearer(user)  # never used
    client.get("/api/me", headers=header)
    used, unused = _tokens(user)
    db.session.refresh(used)
    assert used.last_used_at is not None
    with count_queries() as statements:
        assert client.get("/api/me", headers=header).status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE API_TOKENS")]

    login(client, user)
    html = _html(client.get("/compte/developpeurs"))
    assert f"dernière utilisation : {paris_date(used.last_used_at, with_time=True)}" in html
    assert "dernière utilisation : jamais" in html
    assert f"expire le {paris_date(used.expires_at)}" in html


# --- CSRF and Bearer ----------------------------------------------------------------------------------
def test_a_bogus_bearer_beside_a_session_cookie_still_needs_the_csrf_token(
    client, make_user, make_consultation, make_contribution
):
    user = make_user()
    bearer(user)
    (token,) = _tokens(user)
    login(client, user)
    response = client.post(f"/compte/jetons/{token.id}/revoquer", headers={"Authorization": "Bearer x"})
    assert response.status_code == 400 and "jeton de sécurité" in _html(response)
    db.session.refresh(token)
    assert token.revoked_at is None

    url = f"/api/contributions/{make_contribution(make_consultation(), author=make_user()).id}/flags"
    response = client.post(url, json={"reason": "insulte"}, headers={"Authorization": "Bearer x"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf"
    # Somebody else's valid token: the session's user would act, so the CSRF token is still needed.
    assert client.post(url, json={"reason": "insulte"}, headers=bearer(make_user())).status_code == 400
    # The session user's own valid token authenticates the request by itself.
    assert client.post(url, json={"reason": "insulte"}, headers=bearer(user)).status_code == 201


def test_a_valid_token_alone_needs_no_csrf_token(client, make_user, make_consultation, make_contribution):
    item = make_contribution(make_consultation(), author=make_user())
    response = client.post(
        f"/api/contributions/{item.id}/flags", json={"reason": "insulte"}, headers=bearer(make_user())
    )
    assert response.status_code == 201, response.get_json()


# --- deeply nested JSON ----------------------------------------------------------------------------
def test_deeply_nested_json_answers_400_in_french(client, make_user, make_consultation, make_contribution):
    item = make_contribution(make_consultation(), author=make_user())
    response = client.post(
        f"/api/contributions/{item.id}/flags",
        data='{"reason": ' + DEEP + "}",
        content_type="application/json",
        headers=bearer(make_user()),
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "json_too_deep" and "imbriquées trop profondément" in error["message"]


def test_a_deeply_nested_geometry_field_answers_400(client, make_user, make_consultation):
    consultation = make_consultation()
    login(client, make_user())
    form = {"geometry": DEEP, "theme": "mobilite-accessibilite", "title": "Un titre", "body": "Un texte"}
    response = post_form(client, f"/consultations/{consultation.slug}/proposer", form)
    assert response.status_code == 400 and "imbriquées trop profondément" in _html(response)


def test_the_depth_scan():
    assert not json_too_deep(b'{"a": [[1, 2], {"b": "[[[[[[[[[["}]}', 3)
    assert json_too_deep(b'{"a": [[1, 2], {"b": [[]]}]}', 3)
    assert not json_too_deep('{"a": "\\"[[[[[[", "b": []}', 2)
    assert not json_too_deep("[" * 64 + "]" * 64, 64) and json_too_deep("[" * 65 + "]" * 65, 64)
