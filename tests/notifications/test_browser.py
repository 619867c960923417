"""Acceptance in Chromium: a resident follows a QPV, another posts an idea there, a moderator answers;
the follower gets one mail (one-click unsubscribe works), sees it on the notifications page, and reads
the answer on the public restitution once the team publishes it."""

import re
import urllib.request
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import login
from tests.moderation.conftest import centre
from tests.notifications.conftest import text_of

pytestmark = [pytest.mark.committed, pytest.mark.browser]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "locale": "fr-FR"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "fr-FR"}


@pytest.fixture
def public_base(app, live_server):
    saved = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = live_server.url
    yield live_server.url
    app.config["PUBLIC_BASE_URL"] = saved


@pytest.fixture
def open_page(browser, app, live_server):
    contexts, outside = [], []

    def opener(user, device=PHONE):
        context = browser.new_context(**device)
        contexts.append(context)
        client = app.test_client()
        login(client, user)
        context.add_cookies(
            [{"name": "session", "value": client.get_cookie("session").value, "url": live_server.url}]
        )
        page = context.new_page()
        page.set_default_timeout(8000)
        page.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None,
        )
        return page

    yield opener, outside
    for context in contexts:
        context.close()


def _serious(page):
    violations = Axe().run(page).response["violations"]
    return [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")]


def _answer(page, base, idea_id, outcome, text):
    page.goto(f"{base}/moderation/contributions/{idea_id}")
    page.select_option("#a-outcome", outcome)
    page.fill("#a-text", text)
    page.locator("#a-text").locator("xpath=ancestor::form").get_by_role("button").click()
    page.get_by_text("Réponse publiée").wait_for()


def test_follow_a_qpv_get_one_mail_unsubscribe_in_one_click_and_read_the_restitution(
    app, live_server, public_base, open_page, make_consultation, make_user, run_jobs, smtp, artifacts
):
    opener, outside = open_page
    base = live_server.url
    consultation = make_consultation(qpv_codes=["QP062024"])
    follower = make_user(pseudonym="Nadia de la Cité 12")
    author = make_user(pseudonym="Karim rue Bollaert")
    moderator = make_user(role="moderator", pseudonym="Équipe projet")

    # 1. The follower follows the QPV from the consultation page, on a phone.
    page = opener(follower)
    page.goto(f"{base}/consultations/{consultation.slug}")
    page.get_by_role("button", name=re.compile("Suivre le quartier")).click()
    page.get_by_text("C'est noté").wait_for()
    assert page.get_by_role("button", name=re.compile("ne plus suivre")).count() == 1

    # 2. Another resident posts an idea there (the form without the map script).
    lon, lat = centre(consultation)
    poster = opener(author)
    poster.goto(f"{base}/consultations/{consultation.slug}/proposer?lon={lon}&lat={lat}")
    poster.select_option("#cc-theme", "cadre-de-vie-espaces-publics")
    poster.fill("#cc-title", "Un abri pour attendre le bus")
    poster.fill("#cc-body", "Devant l'école Jean Macé, les enfants attendent sous la pluie.")
    poster.click("#cc-submit")
    poster.wait_for_url(re.compile(r"/idees/\d+"))
    idea_id = int(re.search(r"/idees/(\d+)", poster.url).group(1))

    # 3. A moderator answers officially.
    desk = opener(moderator, DESKTOP)
    _answer(desk, base, idea_id, "retenue", "Un abri sera posé avant la rentrée de septembre.")
    run_jobs(["default", "mail"])  # the idea's follow-up job queues its followers' notification

    # 4. Exactly one mail for the follower, with the answer and a one-click unsubscribe.
    [mail] = smtp.to(follower.email)
    assert "Un abri sera posé avant la rentrée" in text_of(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip("<>")
    assert url.startswith(f"{base}/notifications/desabonnement/")

    # 5. The notifications page lists it; the idea page tells its story.
    page.goto(f"{base}/notifications")
    page.get_by_text(
        "Nouvelle idée : « Un abri pour attendre le bus »"
    ).wait_for()  # in the weekly digest, not mailed
    page.get_by_role("link", name=re.compile(r"Réponse officielle \(Retenue\)")).click()
    page.wait_for_url(f"{base}/idees/{idea_id}")
    timeline = page.locator(".cc-timeline")
    assert timeline.get_by_text("Retenue", exact=True).count() == 1
    assert "Un abri sera posé" in timeline.inner_text()
    page.screenshot(path=artifacts / "notifications-01-histoire-idee.png", full_page=True)

    # 6. The restitution is not public before the team publishes it.
    assert page.goto(f"{base}/consultations/{consultation.slug}/restitution").status == 404
    desk.goto(f"{base}/consultations/{consultation.slug}/restitution")
    desk.get_by_role("button", name="Publier la restitution").click()
    desk.get_by_text("La restitution est publiée").wait_for()
    response = page.goto(f"{base}/consultations/{consultation.slug}/restitution")
    assert response.status == 200
    page.get_by_text("Un abri sera posé avant la rentrée de septembre.").wait_for()
    page.locator('#restitution-map[data-ready="1"]').wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert _serious(page) == []
    page.screenshot(path=artifacts / "notifications-02-restitution.png", full_page=True)

    # 7. A mail client's one-click POST (no cookie, no form token) stops further answer mails.
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    _answer(desk, base, idea_id, "integree", "L'abri est intégré au projet de la place, pose en août.")
    run_jobs(["mail"])
    assert len(smtp.to(follower.email)) == 1
    assert len(smtp.to(author.email)) == 2
    page.goto(f"{base}/notifications")
    assert page.get_by_text(re.compile("Intégrée au projet")).count() == 1  # still listed on the site
    assert urlsplit(url).netloc == urlsplit(base).netloc and outside == []
