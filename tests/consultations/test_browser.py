"""Acceptance in Chromium: an admin assigns a lead, who opens a consultation from two QPV with three
phases and publishes it; a resident proposes; the lead moves to « Votes »; proposing is refused with
the reason while voting works; the audit log shows each step. Screenshots at 1366×768 and 360×640."""

from datetime import timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from app.consultations.models import Consultation, utcnow
from app.extensions import db
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.committed, pytest.mark.browser]
DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "fr-FR"}
PHONE = {"viewport": {"width": 360, "height": 640}, "locale": "fr-FR", "has_touch": True, "is_mobile": True}
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def open_page(browser):
    contexts = []

    def factory(options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(8000)
        page.outside = []
        page.on(
            "request",
            lambda r: None if r.url.startswith(("http://127.0.0.1", "data:")) else page.outside.append(r.url),
        )
        return page

    yield factory
    for context in contexts:
        context.close()


def sign_in(page, base, user, next_path):
    page.goto(f"{base}/connexion?next={quote(next_path)}")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: url.endswith(next_path))


def _local(moment):
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _fill_phases(page):
    now = utcnow()
    bounds = [
        now - timedelta(days=1),
        now + timedelta(days=10),
        now + timedelta(days=20),
        now + timedelta(days=30),
    ]
    for index, name in enumerate(("Idées", "Votes", "Réponses et bilan")):
        page.fill(f"#phase-{index}-name", name)
        page.fill(f"#phase-{index}-start", _local(bounds[index]))
        page.fill(f"#phase-{index}-end", _local(bounds[index + 1]))
    for index, actions in enumerate((("propose", "comment"), ("vote", "comment"), ())):
        for action in ("propose", "vote", "comment"):
            box = page.locator(f"input[name=phase-{index}-{action}]")
            box.check() if action in actions else box.uncheck()


def _assign_lead(page, base, admin, lead, artifacts):
    sign_in(page, base, admin, "/gestion/concertations/cite-12-14-lens/equipe")
    page.fill("#user", lead.email)
    page.select_option("#role", "chef_de_projet")
    page.get_by_role("button", name="Affecter").click()
    page.get_by_text("est maintenant chef de projet de cette concertation").wait_for()
    page.screenshot(path=artifacts / "backoffice-01-equipe-1366.png", full_page=True)


def _create_consultation(page, base, lead, artifacts):
    sign_in(page, base, lead, "/gestion/concertations")
    page.get_by_role("link", name="Nouvelle concertation").click()
    page.fill("#title", "Place des Marichelles : un square pour tous")
    page.fill("#slug", "square-marichelles")
    page.fill("#summary", "Jeux, bancs, arbres : où et comment ?")
    page.fill("#description", "Le **square** sera refait en 2027.")
    page.check("input[name=qpv_codes][value=QP062028]")
    page.check("input[name=qpv_codes][value=QP062024]")
    _fill_phases(page)
    page.select_option("#status", "published")
    page.screenshot(path=artifacts / "backoffice-02-formulaire-1366.png", full_page=True)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Concertation « Place des Marichelles : un square pour tous » créée.").wait_for()
    assert "Phase en cours : Idées" in page.inner_text("main")
    assert page.get_by_role("link", name="Concertations", exact=True).count() == 1  # the lead's way back


def _propose(page, base, resident, lon, lat, artifacts):
    path = f"/consultations/square-marichelles/proposer?lon={lon}&lat={lat}"
    sign_in(page, base, resident, path)
    page.select_option("#cc-theme", index=1)
    page.fill("#cc-title", "Des bancs à l'ombre des tilleuls")
    page.get_by_role("button", name="Publier mon idée").click()
    page.get_by_text("Merci ! Votre idée est publiée sur la carte.").wait_for()
    page.screenshot(path=artifacts / "backoffice-03-idee-proposee-360.png", full_page=True)
    return page.url


def test_lead_runs_a_consultation_from_the_back_office(
    live_server, open_page, make_user, make_consultation, artifacts
):
    base = live_server.url
    make_consultation(slug="cite-12-14-lens", qpv_codes=["QP062024"])
    admin, lead, resident = make_user(role="admin"), make_user(pseudonym="Cheffe de projet"), make_user()
    staff_page, phone_page = open_page(DESKTOP), open_page(PHONE)
    _assign_lead(staff_page, base, admin, lead, artifacts)
    lead_page = open_page(DESKTOP)
    _create_consultation(lead_page, base, lead, artifacts)
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "square-marichelles"))
    assert [q.code for q in consultation.qpvs] == [
        "QP062024",
        "QP062028",
    ] and consultation.perimeter_provisional
    lon, lat = db.session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM consultations WHERE id = :id) s"
        ),
        {"id": consultation.id},
    ).one()
    idea_url = _propose(phone_page, base, resident, lon, lat, artifacts)
    # the lead moves to « Votes »
    lead_page.get_by_role("button", name="Passer à la phase suivante").click()
    lead_page.get_by_text("Phase « Votes » ouverte.").wait_for()
    lead_page.goto(f"{base}/consultations/square-marichelles")
    lead_page.screenshot(path=artifacts / "backoffice-04-frise-votes-1366.png", full_page=True)
    # proposing is refused with the reason; voting works
    phone_page.goto(f"{base}/consultations/square-marichelles/proposer?lon={lon}&lat={lat}")
    notice = phone_page.locator("main .notice").first.inner_text()
    assert notice.startswith("Les propositions sont closes depuis le") and "« Idées »" in notice
    assert phone_page.get_by_role("button", name="Publier mon idée").count() == 0
    phone_page.screenshot(path=artifacts / "backoffice-05-proposition-refusee-360.png", full_page=True)
    phone_page.goto(f"{base}/consultations/square-marichelles")
    current = phone_page.locator(".phase-current").inner_text()
    assert "Votes" in current and "En cours" in current
    phone_page.screenshot(path=artifacts / "backoffice-06-frise-360.png", full_page=True)
    phone_page.goto(idea_url)
    phone_page.get_by_role("button", name="D'accord", exact=True).click()
    phone_page.locator(".cc-vote-agree[aria-pressed=true]").wait_for()
    phone_page.screenshot(path=artifacts / "backoffice-07-vote-360.png", full_page=True)
    # the audit log shows each step
    staff_page.goto(f"{base}/moderation/journal")
    journal = staff_page.inner_text("main")
    for label in ("Affectation à une concertation", "Concertation créée", "Passage à la phase suivante"):
        assert label in journal, label
    staff_page.screenshot(path=artifacts / "backoffice-08-journal-1366.png", full_page=True)
    for page in (staff_page, lead_page, phone_page):
        assert page.outside == []
