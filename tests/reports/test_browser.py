"""The report page in Chromium: generate, follow the progress, read the figures, charts and map."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from tests.conftest import PASSWORD


@pytest.mark.committed
def test_generate_and_read_a_report_in_the_browser(
    page, live_server, make_user, seed_reports, run_jobs, artifacts
):
    data = seed_reports()
    urbanist = make_user(role="urbanist")
    db.session.commit()
    outside = []
    page.on(
        "request", lambda r: None if r.url.startswith((live_server.url, "data:")) else outside.append(r.url)
    )
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": 360, "height": 640})
    path = f"/rapports/concertations/{data.consultation.slug}"
    page.goto(f"{live_server.url}/connexion?next={path}")
    page.get_by_label("Adresse e-mail").fill(urbanist.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Générer une nouvelle version").click()
    expect(page.locator(".report-progress progress")).to_be_visible()
    run_jobs(["reports"])  # the page polls /api/reports/<id> meanwhile, then reloads
    expect(page.get_by_role("heading", name=re.compile("Chiffres clés"))).to_be_visible(timeout=30_000)
    expect(page.locator(".key-figures")).to_contain_text(str(len(data.published)))
    expect(page.get_by_role("link", name="Télécharger le bilan (PDF)")).to_be_visible()
    page.screenshot(path=str(artifacts / "reports-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(page.locator(".folium-map")).to_be_visible()
    charts = page.locator(".charts svg[role=img]")
    assert charts.count() >= 4
    for index in range(charts.count()):
        assert charts.nth(index).bounding_box()["width"] > 300
    page.screenshot(path=str(artifacts / "reports-desktop.png"), full_page=True)
    serious = [
        v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    page.goto(f"{live_server.url}/rapports")
    serious = [
        v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert outside == []
