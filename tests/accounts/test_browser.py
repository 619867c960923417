"""Sign-up on a phone, confirmation by the mailed link, then « Mon compte »: screenshots + axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from tests.accounts.conftest import link_path, mails_to, unique_email
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.committed, pytest.mark.browser]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "locale": "fr-FR"}


@pytest.fixture
def phone(browser):
    contexts = []

    def open_page():
        context = browser.new_context(**PHONE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(5000)
        page.outside = []
        page.on(
            "request",
            lambda r: (
                page.outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()


def _serious(page):
    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_signup_then_the_mailed_link_signs_in_on_a_phone(live_server, phone, run_jobs, artifacts):
    email = unique_email("navigateur")
    page = phone()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Se connecter").click()
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_role("button", name="Créer mon compte").click()  # empty: errors, focusable summary
    assert page.get_by_role("alert").is_visible()
    page.screenshot(path=artifacts / "accounts-01-inscription-erreurs.png", full_page=True)
    assert _serious(page) == []

    page.get_by_label("Pseudonyme (affiché publiquement)").fill("Lina de la Cité 12")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe (10 caractères au moins)").fill("une phrase de passe facile")
    page.get_by_label("J'ai lu la notice d'information").check()
    page.screenshot(path=artifacts / "accounts-02-inscription-remplie.png", full_page=True)
    page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_text("Presque fini !").wait_for()  # the same answer if the address had an account
    assert page.get_by_text("Confirmez votre adresse e-mail").count() == 0  # one message, not two
    assert page.get_by_role("link", name="Lina de la Cité 12").count() == 0  # signed in by the link only
    page.screenshot(path=artifacts / "accounts-03-compte-cree.png", full_page=True)

    run_jobs(["mail"])
    (mail,) = mails_to(email)
    path = link_path(mail, "/inscription/confirmer/")

    mail_app = phone()  # the link opens in another browser (the phone's mail app)
    mail_app.goto(live_server.url + path)
    assert mail_app.get_by_text("votre adresse e-mail est confirmée").is_visible()
    assert mail_app.get_by_role("link", name="Lina de la Cité 12").is_visible()
    mail_app.screenshot(path=artifacts / "accounts-04-confirmee-connectee.png", full_page=True)
    user = db.session.scalar(select(User).where(User.email == email))
    assert user.confirmed_at is not None

    mail_app.get_by_role("link", name="Lina de la Cité 12").click()
    mail_app.wait_for_url("**/compte")
    assert mail_app.get_by_text("Adresse e-mail confirmée le").is_visible()
    mail_app.screenshot(path=artifacts / "accounts-05-mon-compte.png", full_page=True)
    assert _serious(mail_app) == []
    assert page.outside == [] and mail_app.outside == []


def test_login_token_and_reset_pages_on_a_phone(live_server, phone, artifacts, make_user):
    user = make_user(confirmed=False, pseudonym="Karim Vent de Bise")
    db.session.commit()
    page = phone()
    page.goto(live_server.url + "/connexion?next=/compte")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").is_visible()
    page.screenshot(path=artifacts / "accounts-06-connexion.png", full_page=True)
    assert _serious(page) == []
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/compte")
    assert page.get_by_role("button", name="Renvoyer le lien de confirmation").is_visible()
    page.get_by_role("link", name="Aller à l'espace développeurs").click()
    page.wait_for_url("**/compte/developpeurs")
    page.get_by_label("Nom du jeton").fill("script QGIS")
    page.get_by_role("button", name="Créer un jeton").click()
    token = page.get_by_label("Nouveau jeton d'API").input_value()
    assert token.startswith("cc_")
    page.screenshot(path=artifacts / "accounts-09-compte-jeton.png", full_page=True)
    assert _serious(page) == []
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_text("Vous êtes déconnecté").wait_for()
    page.goto(live_server.url + "/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.screenshot(path=artifacts / "accounts-07-mot-de-passe-oublie.png", full_page=True)
    assert _serious(page) == []
    page.goto(live_server.url + "/confidentialite")
    page.screenshot(path=artifacts / "accounts-08-confidentialite.png", full_page=True)
    assert _serious(page) == []
    assert page.outside == []
