"""On a 360×640 phone: a resident starts proposing from the map, signs up, confirms by the mailed link
(real SMTP) and lands back on the map; signs out and signs in with a mailed link; « Mes idées » and the
developers' page. Screenshots in test-artifacts/, axe-core: 0 serious or critical."""

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from tests.accounts.conftest import unique_email

pytestmark = [pytest.mark.committed, pytest.mark.browser]
PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "locale": "fr-FR"}


def _serious(page):
    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def _mailed_path(smtp, email, prefix):
    (message,) = smtp.to(email)
    for url in re.findall(r"https?://\S+", message.get_body(("plain",)).get_content()):
        if urlsplit(url).path.startswith(prefix):
            return urlsplit(url).path
    raise AssertionError(f"no {prefix} link in the mail")


def test_from_the_map_sign_up_confirm_back_on_the_map_then_sign_in_by_link(
    live_server, browser, run_jobs, smtp, artifacts, make_consultation, make_contribution
):
    consultation = make_consultation(title="Cité 12/14 : la place et les jardins")
    db.session.commit()
    map_path = f"/consultations/{consultation.slug}/carte"
    email = unique_email("carte")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(8000)
    try:
        page.goto(live_server.url + map_path)
        page.get_by_role("link", name="Se connecter pour proposer").click()
        page.wait_for_url(re.compile(r"/connexion\?next="))
        page.get_by_role("link", name="Créer un compte").click()
        page.get_by_label("Pseudonyme (affiché publiquement)").fill("Yasmine des jardins")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe (10 caractères au moins)").fill("une phrase de passe facile")
        page.get_by_label("J'ai lu la notice d'information").check()
        page.get_by_role("button", name="Créer mon compte").click()
        page.get_by_text("Presque fini !").wait_for()
        page.screenshot(path=artifacts / "resident-context-01-inscrite-depuis-la-carte.png", full_page=True)

        run_jobs(["mail"])
        page.goto(live_server.url + _mailed_path(smtp, email, "/inscription/confirmer/"))
        page.wait_for_url(f"**{map_path}")  # back on the map, the idea can go on
        page.get_by_text("votre adresse e-mail est confirmée").wait_for()
        assert page.get_by_role("button", name="+ Proposer une idée").is_visible()
        page.screenshot(path=artifacts / "resident-context-02-confirmee-retour-carte.png")

        # On the map page the message floats over the header (the resident-front branch makes toasts):
        # sign out from the home page.
        page.goto(live_server.url + "/")
        page.get_by_role("button", name="Se déconnecter").click()
        page.get_by_text("Vous êtes déconnecté").wait_for()
        page.goto(live_server.url + "/connexion")
        page.get_by_role("link", name="Recevoir un lien de connexion par e-mail").click()
        page.wait_for_url("**/connexion/lien")
        page.screenshot(path=artifacts / "resident-context-03-lien-de-connexion.png", full_page=True)
        assert _serious(page) == []
        page.get_by_label("Adresse e-mail de votre compte").fill(email)
        page.get_by_role("button", name="Recevoir un lien de connexion par e-mail").click()
        page.get_by_text("nous venons d'y envoyer un lien de connexion").wait_for()
        page.screenshot(path=artifacts / "resident-context-04-lien-envoye.png", full_page=True)
        assert _serious(page) == []

        smtp.clear()
        run_jobs(["mail"])
        link = _mailed_path(smtp, email, "/connexion/lien/")
        page.goto(live_server.url + link)
        page.get_by_text("Bonjour Yasmine des jardins, vous êtes connecté").wait_for()
        assert page.get_by_role("link", name="Yasmine des jardins").is_visible()

        again = context.new_page()  # the same link, a second time: refused in French
        again.goto(live_server.url + link)
        assert again.get_by_text("Ce lien de connexion a déjà servi").is_visible()
        again.screenshot(path=artifacts / "resident-context-05-lien-deja-servi.png", full_page=True)
        assert _serious(again) == []
        again.close()

        user = db.session.scalar(select(User).where(User.email == email))
        make_contribution(consultation, author=user, status="pending", title="Des bancs près des jardins")
        make_contribution(
            consultation,
            author=user,
            title="Une fontaine sur la place",
            outcome="a_l_etude",
            official_answer="Le bureau d'études chiffre une fontaine pour l'été prochain.",
        )
        page.get_by_role("link", name="Yasmine des jardins").click()
        page.wait_for_url("**/compte")
        page.get_by_role("link", name="Ouvrir « Mes idées »").click()
        page.wait_for_url("**/compte/idees")
        assert page.get_by_text("En attente de modération").is_visible()
        assert page.get_by_text("Suite donnée : À l'étude").is_visible()
        page.screenshot(path=artifacts / "resident-context-06-mes-idees.png", full_page=True)
        assert _serious(page) == []

        page.goto(live_server.url + "/compte/developpeurs")
        page.get_by_label("Nom du jeton").fill("QGIS")
        page.get_by_role("button", name="Créer un jeton").click()
        assert page.get_by_label("Nouveau jeton d'API").input_value().startswith("cc_")
        page.screenshot(path=artifacts / "resident-context-07-espace-developpeurs.png", full_page=True)
        assert _serious(page) == []
    finally:
        context.close()
