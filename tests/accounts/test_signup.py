from dataclasses import replace
from html import unescape

from sqlalchemy import func, select

from app.accounts import tokens
from app.accounts.models import User
from app.extensions import db
from tests.accounts.conftest import link_path, mails_to, post_form, unique_email


def _user(email):
    return db.session.scalar(select(User).where(User.email == email.lower()))


def _user_count():
    return db.session.scalar(select(func.count(User.id)))


def test_signup_mails_a_link_that_confirms_and_signs_in(app, client, run_jobs, signup_data):
    signup_data["email"] = signup_data["email"].replace("habitant", "Habitant.Majuscule")
    response = post_form(client, "/inscription?next=/compte", signup_data)
    assert response.status_code == 302 and response.headers["Location"] == "/connexion?next=/compte"
    user = _user(signup_data["email"])
    assert user.email == signup_data["email"].lower() and user.confirmed_at is None
    assert user.password_hash and signup_data["password"] not in user.password_hash
    assert client.get("/api/me").status_code == 401  # not signed in until the mailbox is proven
    page = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"Nous avons envoyé un message à {user.email}" in page

    run_jobs(["mail"])
    (mail,) = mails_to(user.email)
    assert "Confirmez votre adresse" in mail["Subject"]
    path = link_path(mail, "/inscription/confirmer/")

    other_device = app.test_client()
    response = other_device.get(path)
    # Back where the sign-up started (the `next` of the sign-up page rides in the link).
    assert response.status_code == 302 and response.headers["Location"] == "/compte"
    db.session.expire_all()
    assert user.confirmed_at is not None and user.last_login_at is not None
    assert other_device.get("/api/me").get_json() == {
        "id": user.id,
        "pseudonym": signup_data["pseudonym"],
        "role": "resident",
        "confirmed": True,
        "can_post": True,
    }
    home = unescape(other_device.get("/").get_data(as_text=True))
    assert "votre adresse e-mail est confirmée" in home

    again = app.test_client().get(path)  # a used link does not sign anyone in
    assert again.status_code == 302 and again.headers["Location"] == "/connexion?next=/compte"


def _flashes(client):
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def test_signup_answers_the_same_whether_or_not_the_email_has_an_account(
    app, run_jobs, make_user, signup_data
):
    taken_email = unique_email("deja")
    owner = make_user(email=taken_email, pseudonym="Marie62")
    owner_hash, before = owner.password_hash, _user_count()
    answers = {}
    for email, pseudonym in ((taken_email.upper(), "Voisine 1"), (signup_data["email"], "Voisine 2")):
        browser = app.test_client()
        response = post_form(browser, "/inscription", {**signup_data, "email": email, "pseudonym": pseudonym})
        flashes = [(c, m.replace(email.lower(), "<adresse>")) for c, m in _flashes(browser)]
        answers[email] = (response.status_code, response.headers["Location"], flashes)
        assert browser.get("/api/me").status_code == 401
    new, taken = answers[signup_data["email"]], answers[taken_email.upper()]
    assert new == taken and new[0] == 302 and "Nous avons envoyé un message à <adresse>" in new[2][0][1]
    assert _user_count() == before + 1  # only the new address got an account
    db.session.expire_all()
    assert owner.password_hash == owner_hash and owner.pseudonym == "Marie62"

    run_jobs(["mail"])
    (warning,) = mails_to(taken_email)
    assert "Tentative de création de compte" in warning["Subject"]
    text = warning.get_content()
    assert "Un compte existe déjà pour cette adresse" in text and "Bonjour Marie62" in text
    assert link_path(warning, "/connexion") and link_path(warning, "/mot-de-passe/oubli")
    (confirm,) = mails_to(signup_data["email"])
    assert "Confirmez votre adresse" in confirm["Subject"]

    again = post_form(app.test_client(), "/inscription", {**signup_data, "email": taken_email})
    assert again.status_code == 302
    run_jobs(["mail"])
    assert len(mails_to(taken_email)) == 1  # one warning per quarter of an hour, not a flood


def test_a_taken_pseudonym_is_refused_in_french_whatever_the_email(client, make_user, signup_data):
    make_user(email="deja@exemple.fr", pseudonym="Marie62")
    before = _user_count()
    for email in ("deja@exemple.fr", signup_data["email"]):
        response = post_form(client, "/inscription", {**signup_data, "email": email, "pseudonym": "marie62"})
        assert response.status_code == 422
        html = unescape(response.get_data(as_text=True))
        assert "Ce pseudonyme est déjà pris" in html and "Un compte existe déjà" not in html
    assert _user_count() == before


def test_signup_explains_each_invalid_field(client, signup_data):
    data = {"pseudonym": "X", "email": "pas-une-adresse", "password": "court", "csrf_token": ""}
    response = post_form(client, "/inscription", data)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Le pseudonyme doit compter entre 3 et 40 caractères." in html
    assert "Saisissez une adresse e-mail valide" in html
    assert "Le mot de passe doit compter au moins 10 caractères." in html
    assert "Cochez cette case pour créer votre compte." in html
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    response = post_form(client, "/inscription", {**signup_data, "pseudonym": "Compte supprimé 3"})
    assert "Ce pseudonyme est réservé." in unescape(response.get_data(as_text=True))
    assert _user(signup_data["email"]) is None


def test_signup_and_login_forms_require_the_csrf_token(client, signup_data, make_user):
    response = client.post("/inscription", data=signup_data)
    assert response.status_code == 400
    assert "jeton de sécurité" in unescape(response.get_data(as_text=True))
    assert _user(signup_data["email"]) is None
    user = make_user()
    response = client.post("/connexion", data={"email": user.email, "password": "un mot de passe solide"})
    assert response.status_code == 400
    assert client.get("/api/me").status_code == 401


def test_tampered_or_expired_confirmation_links_are_refused(client, make_user, monkeypatch):
    user = make_user(confirmed=False)
    with client.application.test_request_context():
        token = tokens.dump(tokens.CONFIRM, {"uid": user.id, "email": user.email})
    response = client.get(f"/inscription/confirmer/{token[:-2]}xx")
    assert response.status_code == 400
    assert "n'est pas valable" in unescape(response.get_data(as_text=True))
    monkeypatch.setattr(tokens, "CONFIRM", replace(tokens.CONFIRM, max_age=-1))
    response = client.get(f"/inscription/confirmer/{token}")
    assert response.status_code == 400 and "a expiré" in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert user.confirmed_at is None


def test_a_reset_link_cannot_confirm_an_account(client, make_user):
    user = make_user(confirmed=False)
    with client.application.test_request_context():
        token = tokens.dump(tokens.RESET, {"uid": user.id, "v": user.session_version})
    assert client.get(f"/inscription/confirmer/{token}").status_code == 400


def test_resend_confirmation(client, make_user, run_jobs):
    from tests.conftest import login

    user = make_user(confirmed=False)
    login(client, user)
    response = post_form(client, "/inscription/renvoyer", {})
    assert response.status_code == 302
    run_jobs(["mail"])
    assert len(mails_to(user.email)) == 1
    confirmed = make_user()
    login(client, confirmed)
    post_form(client, "/inscription/renvoyer", {})
    run_jobs(["mail"])
    assert mails_to(confirmed.email) == []
    assert "déjà confirmée" in unescape(client.get("/compte").get_data(as_text=True))


def test_signup_is_limited_to_five_accounts_per_hour_per_address(client, signup_data):
    assert post_form(client, "/inscription", {**signup_data, "password": "court"}).status_code == 422
    for n in range(5):
        data = {**signup_data, "pseudonym": f"Voisin {n}", "email": f"voisin{n}-{signup_data['email']}"}
        assert post_form(app_client(client), "/inscription", data).status_code == 302
    response = post_form(app_client(client), "/inscription", {**signup_data, "pseudonym": "Voisin 6"})
    assert response.status_code == 429
    assert "Trop de requêtes" in unescape(response.get_data(as_text=True))
    assert _user(signup_data["email"]) is None


def app_client(client):
    """A new browser at the same address (each sign-up signs in, so use a fresh session)."""
    return client.application.test_client()
