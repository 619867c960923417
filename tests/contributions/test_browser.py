"""A resident on a phone: signs up, confirms by the mailed link, places an idea with the crosshair,
sees it on the map and in the list, votes and comments on another idea. Screenshots, axe, weight."""

import gzip
import re
import uuid
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.contributions.demo import seed_demo
from app.extensions import db
from app.mail import outbox_messages
from tests.contributions.conftest import jpeg_bytes

pytestmark = [pytest.mark.committed, pytest.mark.browser]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "locale": "fr-FR"}
BUDGET = 150 * 1024


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(8000)
    # Every page as on a first visit: each of its JS/CSS requests is seen (and weighed).
    context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.outside = []
    page.assets = []
    page.on(
        "request",
        lambda r: (
            page.outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    page.on(
        "response",
        lambda r: page.assets.append(r) if r.request.resource_type in ("script", "stylesheet") else None,
    )
    yield page
    context.close()


def _serious(page, name):
    results = Axe().run(page)
    found = [
        (v["id"], v["impact"])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert found == [], f"{name}: {found}"


def _shot(page, artifacts, name):
    page.screenshot(path=artifacts / f"contributions-{name}.png")


def _sign_up_and_confirm(page, base, run_jobs, artifacts):
    email = f"resident-{uuid.uuid4().hex[:8]}@exemple.fr"
    page.goto(base + "/inscription")
    page.get_by_label("Pseudonyme (affiché publiquement)").fill("Samia de la Cité 12")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe (10 caractères au moins)").fill("une phrase de passe facile")
    page.get_by_label("J'ai lu la notice d'information").check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_text("Compte créé !").wait_for()
    run_jobs(["mail"])
    (mail,) = [m for m in outbox_messages() if m["To"] == email]
    link = next(u for u in re.findall(r"https?://\S+", mail.get_content()) if "/inscription/confirmer/" in u)
    page.goto(base + urlsplit(link).path)
    page.get_by_text("votre adresse e-mail est confirmée").wait_for()
    _shot(page, artifacts, "01-compte-confirme")


def _weight(page):
    """Gzipped bytes of each JS/CSS file the page loaded (fetched again: a 304 has no body)."""
    sizes = {}
    for response in page.assets:
        path = urlsplit(response.url).path
        if path not in sizes:
            sizes[path] = len(gzip.compress(page.request.get(response.url).body(), 9))
    return sizes


def _propose_with_the_crosshair(page, artifacts):
    page.get_by_role("button", name="+ Proposer une idée").click()
    assert page.locator("#cc-crosshair").is_visible()
    box = page.locator(".folium-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 40, y + 30, steps=5)  # the map moves under the fixed crosshair
    page.mouse.up()
    _shot(page, artifacts, "03-viseur")
    page.get_by_role("button", name="Valider ce lieu").click()
    page.locator("#cc-theme").select_option("mobilite-accessibilite")
    page.locator("#cc-title").fill("Un abri pour les vélos près de l'école")
    page.locator("#cc-body").fill("Les enfants laissent leur vélo contre la grille, il pleut souvent.")
    photo = {"name": "velos.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(size=(1200, 900))}
    page.locator("#cc-photos").set_input_files(photo)
    _shot(page, artifacts, "04-formulaire")
    _serious(page, "formulaire (carte)")
    with page.expect_response(lambda r: "/map?" in r.url and re.search(r"zoom=1[6-9]", r.url)) as answer:
        page.get_by_role("button", name="Publier mon idée").click()
    page.get_by_text("Merci ! Votre idée est publiée sur la carte.").wait_for()
    title = page.locator("#cc-sheet-title").inner_text()
    assert title == "Un abri pour les vélos près de l'école"
    ids = [f["properties"].get("id") for f in answer.value.json()["features"]]
    _shot(page, artifacts, "05-idee-publiee")
    return ids


def _tap_the_new_bubble(page, artifacts, anchor):
    page.get_by_role("button", name="Fermer").click()
    point = page.evaluate("([lon, lat]) => CarteCommune.map.latLngToContainerPoint([lat, lon])", anchor)
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.locator("#cc-sheet-title", has_text="Un abri pour les vélos").wait_for()
    _shot(page, artifacts, "06-resume-bulle")


def test_resident_proposes_on_the_map_then_votes_and_comments(
    live_server, phone, make_consultation, run_jobs, artifacts
):
    consultation = make_consultation(
        slug="cite-12-14-lens", qpv_codes=["QP062024"], npnru_qpv_code="QP062024"
    )
    seed_demo([consultation])
    db.session.commit()
    page, base = phone, live_server.url
    _sign_up_and_confirm(page, base, run_jobs, artifacts)

    page.goto(f"{base}/consultations/{consultation.slug}")
    page.assets.clear()
    page.get_by_role("link", name="Voir la carte et participer").click()
    page.get_by_text(re.compile(r"idées? dans cette zone")).wait_for()
    _shot(page, artifacts, "02-carte")
    _serious(page, "carte")
    weight = _weight(page)
    assert any("leaflet.js" in path for path in weight) and any("contributions-map.js" in p for p in weight)
    assert sum(weight.values()) <= BUDGET, weight
    print("map page JS+CSS gzipped:", sum(weight.values()), weight)

    ids = _propose_with_the_crosshair(page, artifacts)
    new_id = int(page.locator("#cc-summary a.button").get_attribute("href").rsplit("/", 1)[1])
    assert new_id in ids  # the map endpoint now serves the new idea at street zoom
    anchor = page.evaluate(f"fetch('/api/contributions/{new_id}').then(r => r.json()).then(i => i.anchor)")
    _tap_the_new_bubble(page, artifacts, anchor)

    page.get_by_role("link", name="Liste des idées").click()
    page.get_by_role("link", name="Un abri pour les vélos près de l'école").wait_for()
    page.screenshot(path=artifacts / "contributions-07-liste.png", full_page=True)
    _serious(page, "liste")

    page.get_by_role("link", name="Des jeux pour les petits dans le square").click()
    page.get_by_role("heading", name="Des jeux pour les petits dans le square").wait_for()
    page.get_by_role("button", name="D'accord", exact=True).click()
    page.get_by_text("Votre vote est enregistré.").wait_for()
    assert page.get_by_role("button", name="D'accord ✓").get_attribute("aria-pressed") == "true"
    page.get_by_label("Ajouter un commentaire").fill("Oui, avec des bancs pour les parents à côté.")
    page.get_by_role("button", name="Publier le commentaire").click()
    page.get_by_text("Merci, votre commentaire est publié.").wait_for()
    assert page.get_by_text("Oui, avec des bancs pour les parents à côté.").is_visible()
    page.screenshot(path=artifacts / "contributions-08-vote-commentaire.png", full_page=True)
    _serious(page, "contribution")
    tally = page.locator(".cc-tally").inner_text()  # e.g. « 9 d'accord · 2 pas d'accord »
    page.get_by_role("link", name="Voir sur la carte").click()  # the idea opens in the map's sheet
    page.locator("#cc-sheet-title", has_text="Des jeux pour les petits dans le square").wait_for()
    assert page.locator("#cc-tally").inner_text().startswith(tally)
    assert page.get_by_role("button", name="D'accord", exact=True).get_attribute("aria-pressed") == "true"

    page.goto(f"{base}/consultations/{consultation.slug}/proposer?lon={anchor[0]}&lat={anchor[1]}")
    _shot(page, artifacts, "09-formulaire-sans-carte")
    _serious(page, "formulaire (page)")
    assert page.outside == []
