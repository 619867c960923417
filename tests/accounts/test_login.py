from datetime import timedelta
from html import unescape

import pytest

from app.accounts.views import safe_next
from app.consultations.models import utcnow
from app.extensions import db
from tests.accounts.conftest import post_form
from tests.conftest import PASSWORD, login


def _login(client, email, password=PASSWORD, path="/connexion"):
    return post_form(client, path, {"email": email, "password": password})


def test_login_opens_a_session_records_the_time_and_follows_a_local_next(client, make_user):
    user = make_user()
    assert user.last_login_at is None
    response = _login(client, user.email.upper(), path="/connexion?next=/compte%3Fonglet%3D1")
    assert response.status_code == 302 and response.headers["Location"] == "/compte?onglet=1"
    db.session.expire_all()
    assert user.last_login_at is not None
    assert client.get("/api/me").get_json()["pseudonym"] == user.pseudonym
    assert client.get("/connexion").headers["Location"] == "/"  # already signed in


def test_wrong_password_or_unknown_email_give_the_same_french_message(client, make_user):
    user = make_user()
    for email, password in ((user.email, "pas le bon mot de passe"), ("inconnu@exemple.fr", PASSWORD)):
        response = _login(client, email, password)
        assert response.status_code == 422
        assert "Adresse e-mail ou mot de passe incorrect." in unescape(response.get_data(as_text=True))
    assert client.get("/api/me").status_code == 401
    db.session.expire_all()
    assert user.last_login_at is None


@pytest.mark.parametrize(
    "target",
    [
        "https://pirate.example/compte",
        "//pirate.example/compte",
        "/\\pirate.example",
        "\\\\pirate.example",
        "javascript:alert(1)",
        "http:/pirate.example",
        "/\r\nLocation: https://pirate.example",
    ],
)
def test_login_refuses_to_redirect_outside_the_site(client, make_user, target):
    user = make_user()
    response = post_form(
        client, "/connexion", {"email": user.email, "password": PASSWORD}, query_string={"next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_safe_next_keeps_local_paths_only():
    assert (
        safe_next("/consultations/cite-12-14-lens?vue=liste", "/")
        == "/consultations/cite-12-14-lens?vue=liste"
    )
    assert safe_next(None, "/accueil") == "/accueil"
    assert safe_next("compte", "/") == "/"
    assert safe_next("/\tjavascript:alert(1)", "/") == "/"


def test_banned_user_is_told_why_and_stays_signed_out(client, make_user):
    user = make_user(banned_at=utcnow(), suspension_reason="Insultes répétées")
    response = _login(client, user.email)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 403
    assert "Votre compte a été banni" in html and "Motif : Insultes répétées" in html
    assert client.get("/api/me").status_code == 401


def test_suspended_user_signs_in_and_is_told_until_when(client, make_user):
    user = make_user(suspended_until=utcnow() + timedelta(days=3), suspension_reason="Hors sujet")
    response = _login(client, user.email)
    assert response.status_code == 302
    page = unescape(client.get("/compte").get_data(as_text=True))
    assert "Votre compte est suspendu par la modération jusqu'au" in page and "Hors sujet" in page
    assert client.get("/api/me").get_json()["can_post"] is False


def test_unconfirmed_user_signs_in_and_is_asked_to_confirm(client, make_user):
    user = make_user(confirmed=False)
    assert _login(client, user.email).status_code == 302
    page = unescape(client.get("/").get_data(as_text=True))
    assert "Confirmez votre adresse e-mail" in page


def test_deleted_account_cannot_sign_in(client, make_user):
    user = make_user()
    email = user.email
    user.deleted_at = utcnow()
    db.session.flush()
    assert _login(client, email).status_code == 422


def test_logout_is_a_post_with_csrf(client, make_user):
    user = make_user()
    login(client, user)
    assert client.get("/deconnexion").status_code == 405
    assert client.post("/deconnexion").status_code == 400  # no CSRF token
    assert client.get("/api/me").status_code == 200
    response = post_form(client, "/deconnexion", {})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/api/me").status_code == 401


def test_login_is_rate_limited_per_ip_with_a_french_429(client, make_user):
    user = make_user()
    for _ in range(10):
        assert _login(client, user.email, "mauvais mot de passe").status_code == 422
    response = _login(client, user.email)  # even the right password: the limit is reached
    assert response.status_code == 429
    assert "Trop de requêtes" in unescape(response.get_data(as_text=True))
    assert client.get("/api/me").status_code == 401
    assert client.get("/connexion").status_code == 200  # reading the form is never limited
    other_ip = client.post("/connexion", data={"email": user.email}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_ip.status_code == 400  # another address is not limited (only the CSRF check fails)
