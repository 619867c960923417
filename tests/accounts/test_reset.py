from html import unescape

from app.extensions import db
from tests.accounts.conftest import link_path, mails_to, post_form
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "un tout nouveau mot de passe"


def _request_link(client, run_jobs, email):
    response = post_form(client, "/mot-de-passe/oubli", {"email": email})
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"
    run_jobs(["mail"])
    (mail,) = mails_to(email.lower())
    assert "Réinitialisation" in mail["Subject"]
    return link_path(mail, "/mot-de-passe/")


def test_password_reset_by_mail_signs_in_and_ends_old_sessions_and_the_link(app, client, make_user, run_jobs):
    user = make_user()
    old_session = app.test_client()
    login(old_session, user)
    assert old_session.get("/api/me").status_code == 200

    path = _request_link(client, run_jobs, user.email.upper())
    page = client.get(path)
    assert page.status_code == 200 and user.pseudonym in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/compte"
    assert client.get("/api/me").get_json()["pseudonym"] == user.pseudonym
    assert old_session.get("/api/me").status_code == 401

    reused = app.test_client().get(path)
    assert reused.status_code == 400
    assert "a déjà servi" in unescape(reused.get_data(as_text=True))

    fresh = app.test_client()
    assert post_form(fresh, "/connexion", {"email": user.email, "password": PASSWORD}).status_code == 422
    assert post_form(fresh, "/connexion", {"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, run_jobs):
    response = post_form(
        client, "/mot-de-passe/oubli", {"email": "personne@exemple.fr"}, follow_redirects=True
    )
    assert "Si un compte existe pour cette adresse" in unescape(response.get_data(as_text=True))
    run_jobs(["mail"])
    assert mails_to("personne@exemple.fr") == []


def test_reset_form_checks_both_passwords(client, make_user, run_jobs):
    user = make_user()
    path = _request_link(client, run_jobs, user.email)
    response = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert response.status_code == 422
    assert "Les deux mots de passe sont différents." in unescape(response.get_data(as_text=True))
    response = post_form(client, path, {"password": "court", "confirm": "court"})
    assert "au moins 10 caractères" in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert user.session_version == 1  # nothing changed, the link still works
    assert client.get(path).status_code == 200


def test_reset_confirms_an_unconfirmed_address(client, make_user, run_jobs):
    user = make_user(confirmed=False)
    path = _request_link(client, run_jobs, user.email)
    post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    db.session.expire_all()
    assert user.confirmed_at is not None


def test_reset_requests_are_rate_limited(client):
    for n in range(5):
        assert post_form(client, "/mot-de-passe/oubli", {"email": f"x{n}@exemple.fr"}).status_code == 302
    response = post_form(client, "/mot-de-passe/oubli", {"email": "x9@exemple.fr"})
    assert response.status_code == 429
    assert "Trop de requêtes" in unescape(response.get_data(as_text=True))
