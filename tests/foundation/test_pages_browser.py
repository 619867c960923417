"""The public foundation pages in a real browser at phone size: no request leaves 127.0.0.1."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.demo import seed_demo
from app.extensions import db

pytestmark = [pytest.mark.committed, pytest.mark.browser]


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, locale="fr-FR"
    )
    page = context.new_page()
    page.set_default_timeout(8000)
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None,
    )
    yield page, outside
    context.close()


def test_home_territory_and_consultation_pages_on_a_phone(app, live_server, phone, artifacts):
    seed_demo()
    db.session.commit()
    page, outside = phone
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Votre quartier se transforme")
    assert page.locator(".card").count() == 3
    page.screenshot(path=artifacts / "foundation-01-home.png", full_page=True)

    page.goto(live_server.url + "/territoire")
    # prefer_canvas: the 36 communes are drawn on one canvas in the overlay pane.
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    assert page.evaluate("Object.keys(window).some(k => k.startsWith('geo_json_'))")
    assert page.locator("tbody tr").count() == 21
    page.screenshot(path=artifacts / "foundation-02-territoire.png")

    page.goto(live_server.url + "/consultations/cite-12-14-lens")
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    assert "Périmètre provisoire" in page.content()
    page.screenshot(path=artifacts / "foundation-03-concertation.png", full_page=True)

    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], [v["id"] for v in serious]
    assert outside == []
