"""A resident reading Arabic on a 360×640 phone: chooses « العربية » in the header, signs in,
proposes an idea on the map (zoom control on the right), votes and comments. Every page is
right-to-left; axe-core finds nothing serious; screenshots in test-artifacts/."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.contributions.demo import seed_demo
from app.extensions import db
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.committed, pytest.mark.browser]
PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "locale": "fr-FR"}
IDEA = "مقعد في الظل قرب المدرسة"


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(8000)
    page.outside = []
    page.on(
        "request",
        lambda r: page.outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None,
    )
    yield page
    context.close()


def _rtl(page, name):
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl"), name
    found = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert found == [], f"{name}: {found}"


def _shot(page, artifacts, name):
    page.screenshot(path=artifacts / f"i18n-ar-{name}.png")


def test_arabic_resident_proposes_votes_and_comments(
    live_server, phone, make_consultation, make_user, artifacts
):
    consultation = make_consultation(
        slug="cite-12-14-lens", qpv_codes=["QP062024"], npnru_qpv_code="QP062024"
    )
    seed_demo([consultation])
    user = make_user(pseudonym="Samia")
    db.session.commit()
    page, base = phone, live_server.url

    # The browser asks for French: the switcher in the header changes it.
    page.goto(f"{base}/consultations/{consultation.slug}")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.locator('.lang-switch a[lang="ar"]').click()
    page.wait_for_url(f"**/consultations/{consultation.slug}")
    _rtl(page, "concertation")
    _shot(page, artifacts, "01-concertation")

    page.get_by_role("link", name="تسجيل الدخول").first.click()
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="تسجيل الدخول").click()
    page.goto(f"{base}/consultations/{consultation.slug}/carte")
    page.locator(".leaflet-control-zoom").wait_for()
    _rtl(page, "carte")
    # Mirrored controls: the zoom buttons sit on the right of the map, the attribution on the left.
    map_box = page.locator(".folium-map").bounding_box()
    zoom = page.locator(".leaflet-control-zoom").bounding_box()
    assert zoom["x"] > map_box["x"] + map_box["width"] / 2, (zoom, map_box)
    attribution = page.locator(".leaflet-control-attribution")
    if attribution.count():
        assert attribution.bounding_box()["x"] < map_box["x"] + map_box["width"] / 2
    _shot(page, artifacts, "02-carte")

    page.get_by_role("button", name="+ اقترح فكرة").click()
    x, y = map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 30, steps=5)
    page.mouse.up()
    page.locator("#cc-confirm").click()  # its label is set by the map script (resident-front wraps it)
    page.locator("#cc-theme").select_option("cadre-de-vie-espaces-publics")
    page.locator("#cc-title").fill(IDEA)
    page.locator("#cc-body").fill("ينتظر الأولياء أطفالهم واقفين تحت الشمس.")
    form = page.locator("#cc-form").bounding_box()
    assert form["x"] >= 0 and form["x"] + form["width"] <= 360 + 1  # the form fits the phone
    label, field = (
        page.locator('label[for="cc-title"]').bounding_box(),
        page.locator("#cc-title").bounding_box(),
    )
    assert label["x"] + label["width"] >= field["x"] + field["width"] - 2  # labels start on the right
    _shot(page, artifacts, "03-formulaire")
    _rtl(page, "formulaire")
    page.get_by_role("button", name="انشر فكرتي").click()
    page.locator("#cc-sheet-title", has_text=IDEA).wait_for()
    _shot(page, artifacts, "04-idee-publiee")

    page.goto(f"{base}/consultations/{consultation.slug}/idees")
    page.get_by_role("link", name=IDEA).wait_for()
    _rtl(page, "liste")
    page.get_by_role("link", name="Des jeux pour les petits dans le square").click()
    page.get_by_role("button", name="موافق", exact=True).click()
    page.locator(".cc-vote-agree[aria-pressed='true']").wait_for()
    page.locator("#nouveau-commentaire").fill("نعم، مع مقاعد للأولياء بجانبها.")
    page.get_by_role("button", name="نشر التعليق").click()
    page.get_by_text("نعم، مع مقاعد للأولياء بجانبها.").wait_for()
    _rtl(page, "idee")
    # People write in their language: user text takes its own direction (dir="auto").
    direction = "e => getComputedStyle(e).direction"
    assert page.locator(".cc-detail > .cc-body").evaluate(direction) == "ltr"  # the French idea
    assert page.locator(".cc-comment .cc-body", has_text="نعم").evaluate(direction) == "rtl"
    page.screenshot(path=artifacts / "i18n-ar-05-vote-commentaire.png", full_page=True)
    assert page.outside == []
