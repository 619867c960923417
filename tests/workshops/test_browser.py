"""In Chromium at tablet size: a facilitator enters five ideas in a row; a participant uses the kiosk."""

import io
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from sqlalchemy import select

from app.contributions.models import Contribution
from app.extensions import db
from app.workshops import queries
from app.workshops.models import Kiosk
from tests.conftest import PASSWORD
from tests.workshops.conftest import cell_inside_perimeter, cell_outside_buffer

pytestmark = [pytest.mark.committed, pytest.mark.browser]
LANDSCAPE = {"viewport": {"width": 1024, "height": 768}, "locale": "fr-FR", "has_touch": True}
PORTRAIT = {"viewport": {"width": 800, "height": 1280}, "locale": "fr-FR", "has_touch": True}


@pytest.fixture
def tablet(browser):
    contexts = []

    def open_page(options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(6000)
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


def sign_in(page, live_server, user, next_path):
    page.goto(f"{live_server.url}/connexion?next={quote(next_path)}")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: url.endswith(next_path))


def serious_violations(page):
    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def enter_five_ideas(page, artifacts, consultation, inside, outside):
    """Five ideas in a row, each way a facilitator works: cell, map, shortcut, participant, correction."""
    status = page.locator("#entry-status")
    # 1. a paper post-it: cell typed, title, Enter
    page.keyboard.type(inside.lower())
    page.keyboard.press("Enter")  # moves on to the title
    page.keyboard.type("Des bancs à l'ombre place Salengro")
    page.keyboard.press("Enter")
    status.get_by_text("Idée n° 1 enregistrée").wait_for()
    page.screenshot(path=artifacts / "workshops-01-saisie-premiere.png")
    # 2. placed by touching the map, with a text sent by Ctrl+Enter
    page.locator(".entry-map .folium-map").click()
    assert page.locator("#grid_ref").input_value() != ""  # the touched cell is shown
    page.fill("#entry-title", "Éclairer le passage vers la gare")
    page.fill("#entry-body", "Le soir, on ne voit rien entre la cité et la gare.")
    page.locator("#entry-body").press("Control+Enter")
    status.get_by_text("Idée n° 2 enregistrée").wait_for()
    # 3. another theme, chosen with Alt+2, remembered for the next ideas
    page.keyboard.press("Alt+2")
    assert page.locator("#entry-theme").input_value() == consultation.themes[1].slug
    save(page, inside, "Une fête des voisins au printemps", "Idée n° 3 enregistrée")
    # 4. with the participant's first name and contact, and their consent
    page.locator("#participant summary").click()
    page.fill("#participant-first-name", "Nadia")
    page.fill("#participant-contact", "nadia@exemple.fr")
    page.check("#participant-consent")
    save(page, inside, "Un local pour les jeunes", "Idée n° 4 enregistrée")
    assert page.locator("#participant-first-name").input_value() == ""  # next participant
    # 5. a cell outside the perimeter is explained, then corrected
    save(page, outside, "Un arrêt de bus couvert", f"La case {outside} est en dehors du périmètre")
    page.screenshot(path=artifacts / "workshops-02-saisie-erreur-case.png")
    save(page, inside, "Un arrêt de bus couvert", "Idée n° 5 enregistrée")


def save(page, cell, title, expected):
    page.fill("#grid_ref", cell)
    page.fill("#entry-title", title)
    page.locator("#entry-title").press("Enter")
    page.get_by_text(expected).first.wait_for()


def test_facilitator_enters_five_ideas_in_a_row(
    live_server, tablet, artifacts, make_consultation, make_user, make_workshop
):
    consultation = make_consultation(qpv_codes=["QP062024"], title="Cité 12/14 : le quartier de demain")
    facilitator = make_user(role="facilitator")
    workshop = make_workshop(consultation, facilitator, title="Atelier espaces publics")
    grid = queries.consultation_grid(consultation.id)
    inside, outside = cell_inside_perimeter(consultation, grid), cell_outside_buffer(consultation, grid)
    db.session.commit()
    page = tablet(LANDSCAPE)
    sign_in(page, live_server, facilitator, f"/ateliers/{workshop.id}/saisie")
    assert page.locator("#grid_ref").evaluate("el => el === document.activeElement")
    enter_five_ideas(page, artifacts, consultation, inside, outside)
    assert page.locator("#entry-recent li").count() == 5
    page.wait_for_timeout(400)  # the map's pan animation
    page.screenshot(path=artifacts / "workshops-03-saisie-cinq-idees.png")
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}/ateliers/{workshop.id}")  # follow-up page: counts, tallies, contacts
    page.screenshot(path=artifacts / "workshops-10-suivi-atelier.png", full_page=True)
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}/consultations/{consultation.slug}")
    page.locator("#ateliers-titre").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "workshops-11-page-concertation.png")
    assert page.outside == []

    db.session.expire_all()
    rows = db.session.scalars(select(Contribution).order_by(Contribution.id)).all()
    assert len(rows) == 5
    assert {(c.source, c.workshop_id, c.author_id) for c in rows} == {("workshop", workshop.id, None)}
    themes = [t.slug for t in consultation.themes]
    assert [c.theme_slug for c in rows] == [themes[0], themes[0], themes[1], themes[1], themes[1]]
    assert rows[3].participant_id is not None and rows[4].participant_id is None


def open_kiosk(page, live_server, facilitator, consultation, workshop):
    page.clock.install()
    sign_in(
        page,
        live_server,
        facilitator,
        f"/borne/ouvrir?consultation={consultation.slug}&workshop={workshop.id}",
    )
    page.fill("#name", "Tablette de l'accueil")
    page.fill("#code", "2468")
    page.fill("#code_confirm", "2468")
    page.fill("#idle_reset_seconds", "30")
    page.get_by_role("button", name="Ouvrir la borne").click()
    page.wait_for_url("**/borne")


def send_one_idea(page, artifacts, consultation, photo):
    page.get_by_role("button", name="Commencer").click()
    page.locator(".kiosk-map .folium-map").click()
    page.screenshot(path=artifacts / "workshops-05-borne-lieu.png")
    page.get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name=consultation.themes[0].label).click()
    page.fill("#k-title", "Des jeux pour les petits au square")
    page.fill("#k-body", "Il n'y a rien pour les moins de six ans.")
    page.get_by_role("button", name="Suivant").click()
    page.set_input_files("#k-file", str(photo))
    page.get_by_text("Photo choisie : photo.jpg").wait_for()
    page.locator('[data-step="photo"]').get_by_role("button", name="Suivant").click()
    page.screenshot(path=artifacts / "workshops-06-borne-envoi.png")
    page.get_by_role("button", name="Envoyer mon idée").click()
    page.get_by_text("Votre idée sera publiée sur la carte après relecture").wait_for()
    page.screenshot(path=artifacts / "workshops-07-borne-merci.png")


def walk_away(page, live_server, artifacts):
    """A second participant leaves in the middle: the kiosk starts over and the server forgets."""
    page.get_by_role("button", name="Une autre idée").click()
    page.get_by_role("button", name="Commencer").click()
    page.locator(".kiosk-map .folium-map").click()
    page.get_by_role("button", name="Suivant").click()
    page.wait_for_timeout(300)
    assert page.request.get(f"{live_server.url}/borne/brouillon").json()["draft"]["step"] == "theme"
    page.clock.run_for(25_000)
    page.get_by_text("Vous êtes toujours là ?").wait_for()
    page.screenshot(path=artifacts / "workshops-08-borne-inactive.png")
    page.clock.run_for(6_000)
    page.get_by_role("heading", name="Une idée pour le quartier ?").wait_for()
    page.wait_for_timeout(300)
    assert page.request.get(f"{live_server.url}/borne/brouillon").json() == {"draft": None}


def close_with_code(page, artifacts):
    page.get_by_text("Animation").click()
    page.fill("#k-code", "0000")
    page.get_by_role("button", name="Fermer la borne").click()
    page.get_by_text("Code incorrect").first.wait_for()
    page.fill("#k-code", "2468")
    page.get_by_role("button", name="Fermer la borne").click()
    page.wait_for_url("**/borne/fermee")
    page.screenshot(path=artifacts / "workshops-09-borne-fermee.png")


def test_kiosk_flow_without_an_account(
    live_server, tablet, artifacts, make_consultation, make_user, make_workshop, tmp_path
):
    consultation = make_consultation(qpv_codes=["QP062024"], title="Cité 12/14 : le quartier de demain")
    facilitator = make_user(role="facilitator")
    workshop = make_workshop(consultation, facilitator, title="Atelier du samedi")
    db.session.commit()
    photo = tmp_path / "photo.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 60)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    page = tablet(PORTRAIT)
    open_kiosk(page, live_server, facilitator, consultation, workshop)
    assert (
        page.get_by_text("Se déconnecter").count() == 0
        and page.get_by_text(facilitator.pseudonym).count() == 0
    )
    page.screenshot(path=artifacts / "workshops-04-borne-accueil.png")
    assert serious_violations(page) == []
    send_one_idea(page, artifacts, consultation, photo)
    db.session.expire_all()
    contribution = db.session.scalar(select(Contribution))
    kiosk = db.session.scalar(select(Kiosk))
    assert (contribution.source, contribution.status, contribution.kiosk_id) == ("kiosk", "pending", kiosk.id)
    assert contribution.author_id is None and len(contribution.photos) == 1
    walk_away(page, live_server, artifacts)
    close_with_code(page, artifacts)
    db.session.expire_all()
    assert db.session.scalar(select(Kiosk)).closed_at is not None
    assert page.outside == []
