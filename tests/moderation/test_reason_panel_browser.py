"""The refusal-reason panel stays visible at 1366×768: its buttons are reachable without scrolling."""

import pytest

from app.extensions import db
from app.moderation.demo import seed_reasons
from tests.conftest import login
from tests.moderation.conftest import centre, offset

pytestmark = [pytest.mark.committed, pytest.mark.browser]
VIEWPORT = {"width": 1366, "height": 768}
LONG_BODY = " ".join(["Le trottoir est trop étroit pour les poussettes et les fauteuils roulants."] * 16)


def sign_in(context, app, live_server, user):
    client = app.test_client()
    login(client, user)
    cookie = client.get_cookie("session")
    context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server.url}])


def seed(make_consultation, make_contribution, make_user):
    consultation = make_consultation(qpv_codes=["QP062024"], moderation_mode="pre", title="Cité 12/14")
    seed_reasons()
    lon, lat = centre(consultation)
    for i in range(3):
        x, y = offset((lon, lat), east_m=15 * (i + 1))
        make_contribution(
            consultation, lon=x, lat=y, title=f"Élargir le trottoir rue de Lens {i}", status="pending"
        )
    # The newest (first in the inbox): a long idea with likely duplicates, the pane as tall as it gets.
    idea = make_contribution(
        consultation,
        lon=lon,
        lat=lat,
        status="pending",
        title="Élargir le trottoir rue de Lens",
        body=LONG_BODY,
    )
    moderator = make_user(role="moderator")
    db.session.commit()
    return idea, moderator


def fully_visible(page, selector):
    """The element's box is inside the viewport and nothing (an overflow, another element) covers it."""
    return page.evaluate(
        """(selector) => {
            const el = document.querySelector(selector);
            const r = el.getBoundingClientRect();
            if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) { return false; }
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return hit !== null && (hit === el || el.contains(hit));
        }""",
        selector,
    )


def test_reason_panel_is_within_the_viewport_at_1366x768(
    browser, app, live_server, artifacts, make_consultation, make_contribution, make_user
):
    idea, moderator = seed(make_consultation, make_contribution, make_user)
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(6000)
    sign_in(context, app, live_server, moderator)
    page.goto(live_server.url + "/moderation")
    page.wait_for_selector(f"#item-{idea.id}.current")
    page.keyboard.press("r")
    page.wait_for_selector("[data-reason-panel]")
    box = page.locator("[data-reason-panel]").bounding_box()
    page.screenshot(path=artifacts / "moderation-reason-panel-1366x768.png")
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"], box
    for selector in (
        "[data-reason-submit]",
        "[data-reason-cancel]",
        "[data-reason-panel] li:last-child button",
    ):
        assert fully_visible(page, selector), selector
    # Refuse with the first reason, then undo from the notice: the idea is back in « Nouvelles ».
    page.keyboard.press("1")
    page.wait_for_selector(f"#item-{idea.id}.done")
    page.wait_for_selector("[data-undo-live]")
    page.screenshot(path=artifacts / "moderation-undo-notice-1366x768.png")
    assert fully_visible(page, "[data-undo-live] button.secondary")
    page.locator("[data-undo-live] button.secondary").click()
    page.wait_for_selector(f"#item-{idea.id}:not(.done)")
    assert page.locator('[data-count="pending"]').inner_text() == "4"
    db.session.remove()
    status = db.session.execute(db.text("SELECT status FROM contributions WHERE id = :id"), {"id": idea.id})
    assert status.scalar() == "pending"
    # The detail page's refusal form too.
    page.goto(live_server.url + f"/moderation/contributions/{idea.id}")
    page.screenshot(path=artifacts / "moderation-detail-reasons-1366x768.png")
    assert fully_visible(page, 'button[name="action"][value="reject"]')
    context.close()
