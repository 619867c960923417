"""A moderator clears the inbox with the keyboard in Chromium (desktop): approve, reject with a reason, merge."""

import pytest
from sqlalchemy import text

from app.extensions import db
from app.moderation.demo import seed_reasons
from tests.conftest import login
from tests.moderation.conftest import centre, offset

pytestmark = [pytest.mark.committed, pytest.mark.browser]

FILLERS = (
    ("Des jeux d'eau au parc Bollaert", "culture-sport-loisirs"),
    ("Ramassage des encombrants plus fréquent", "cadre-de-vie-espaces-publics"),
    ("Une navette vers l'hôpital", "mobilite-accessibilite"),
    ("Atelier vélo solidaire", "vie-associative-lien-social"),
    ("Rénover le gymnase Jean Macé", "culture-sport-loisirs"),
    ("Cours de français pour adultes", "education-jeunesse"),
)


@pytest.fixture
def desktop(browser, live_server, app):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(6000)
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None,
    )
    yield context, page, outside
    context.close()


def sign_in(context, app, live_server, user):
    client = app.test_client()
    login(client, user)
    cookie = client.get_cookie("session")
    context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server.url}])


def seed(consultation, make_contribution, make_user):
    lon, lat = centre(consultation)
    author = make_user(pseudonym="habitante-cite12")
    for i, (title, theme) in enumerate(FILLERS):
        x, y = offset((lon, lat), east_m=400 + 90 * i, north_m=-300)
        make_contribution(
            consultation,
            author=author,
            lon=x,
            lat=y,
            title=title,
            theme=theme,
            status="pending",
            body="Proposition déposée en ligne pendant la concertation.",
        )
    original = make_contribution(
        consultation,
        author=author,
        lon=lon,
        lat=lat,
        title="Un abri pour l'arrêt de bus Cité 12",
        body="On attend le bus sous la pluie.",
        theme="mobilite-accessibilite",
    )
    x, y = offset((lon, lat), east_m=25)
    duplicate = make_contribution(
        consultation,
        author=make_user(),
        lon=x,
        lat=y,
        status="pending",
        title="Abri bus arrêt cité 12",
        body="on attend sous la pluie avec les enfants",
        theme="mobilite-accessibilite",
    )
    x, y = offset((lon, lat), north_m=300)
    insult = make_contribution(
        consultation,
        author=make_user(),
        lon=x,
        lat=y,
        status="pending",
        title="Le maire est un ****",
        body="Texte injurieux.",
        theme="participation-citoyenne",
    )
    x, y = offset((lon, lat), north_m=-250)
    good = make_contribution(
        consultation,
        author=make_user(),
        lon=x,
        lat=y,
        status="pending",
        title="Un passage piéton devant la boulangerie",
        body="Les enfants traversent n'importe où.",
        theme="mobilite-accessibilite",
    )
    return good, insult, duplicate, original


def status_of(contribution_id):
    db.session.remove()
    return db.session.execute(
        text("SELECT status, moderation_reason, merged_into_id FROM contributions WHERE id = :id"),
        {"id": contribution_id},
    ).one()


def test_moderator_approves_rejects_and_merges_with_the_keyboard(
    app, live_server, desktop, artifacts, make_consultation, make_contribution, make_user
):
    consultation = make_consultation(qpv_codes=["QP062024"], moderation_mode="pre", title="Cité 12/14 à Lens")
    seed_reasons()
    moderator = make_user(role="moderator", pseudonym="moderatrice")
    good, insult, duplicate, original = seed(consultation, make_contribution, make_user)
    first_reason = db.session.execute(
        text("SELECT label FROM reject_reasons ORDER BY position LIMIT 1")
    ).scalar()
    db.session.commit()
    context, page, outside = desktop
    sign_in(context, app, live_server, moderator)

    page.goto(live_server.url + "/moderation")
    current = page.locator(".mod-item.current")
    assert current.get_attribute("data-id") == str(good.id)
    assert page.locator("#mod-pane h2").inner_text() == good.title
    page.screenshot(path=artifacts / "moderation-01-inbox.png")

    page.keyboard.press("a")  # approve, then the next one is selected
    page.wait_for_selector(f"#item-{good.id}.done")
    assert current.get_attribute("data-id") == str(insult.id)

    page.keyboard.press("r")  # reject: the reasons panel, 1 picks the first reason and sends
    page.wait_for_selector("[data-reason-panel]")
    page.screenshot(path=artifacts / "moderation-02-reject-reasons.png")
    page.keyboard.press("1")
    page.wait_for_selector(f"#item-{insult.id}.done")
    assert current.get_attribute("data-id") == str(duplicate.id)
    assert page.locator("#mod-pane [data-dup-id]").first.get_attribute("data-dup-id") == str(original.id)
    page.screenshot(path=artifacts / "moderation-03-duplicate.png")

    page.keyboard.press("m")  # merge into the first suggested duplicate
    page.wait_for_selector("[data-merge-panel]")
    page.keyboard.press("1")
    page.wait_for_selector(f"#item-{duplicate.id}.done")
    assert page.locator('[data-count="pending"]').inner_text() == str(len(FILLERS))
    page.keyboard.press("?")
    page.wait_for_selector("#mod-help[open]")
    page.screenshot(path=artifacts / "moderation-04-help.png")
    page.keyboard.press("Escape")
    page.screenshot(path=artifacts / "moderation-05-after.png")

    assert status_of(good.id)[0] == "published"
    assert status_of(insult.id)[:2] == ("rejected", first_reason)
    assert status_of(duplicate.id)[0::2] == ("merged", original.id)
    actions = db.session.execute(text("SELECT action FROM moderation_actions ORDER BY id")).scalars().all()
    assert actions == ["approve", "reject", "merge"]

    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet, portrait
    page.goto(live_server.url + "/moderation")
    assert page.locator("#mod-pane h2").is_visible()
    page.screenshot(path=artifacts / "moderation-06-tablet.png")

    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/moderation/contributions/{original.id}")
    page.wait_for_selector(".leaflet-overlay-pane canvas", state="attached")
    page.screenshot(path=artifacts / "moderation-07-contribution.png", full_page=True)
    assert outside == []


def test_admin_pages_comments_and_audit_log(
    app, live_server, desktop, artifacts, make_consultation, make_contribution, make_comment, make_user
):
    from app.moderation import services

    consultation = make_consultation(qpv_codes=["QP062024"], title="Cité 12/14 à Lens")
    seed_reasons()
    admin = make_user(role="admin", pseudonym="administratrice")
    author = make_user(pseudonym="voisin-du-12")
    item = make_contribution(
        consultation, author=author, status="pending", title="Un abri pour l'arrêt de bus Cité 12"
    )
    services.approve(admin, item)
    services.edit_contribution(admin, item, title="Un abri à l'arrêt de bus Cité 12", reason="titre")
    comment = make_comment(item, author, "Les gens du quartier sont tous des voleurs")
    db.session.execute(text("UPDATE comments SET flag_count = 2 WHERE id = :id"), {"id": comment.id})
    services.suspend_user(
        admin,
        author,
        __import__("app.consultations.models", fromlist=["utcnow"]).utcnow()
        + __import__("datetime").timedelta(days=7),
        "Propos stigmatisants",
    )
    db.session.commit()
    context, page, outside = desktop
    sign_in(context, app, live_server, admin)
    page.goto(live_server.url + "/moderation/commentaires")
    assert "tous des voleurs" in page.content()
    page.screenshot(path=artifacts / "moderation-08-comments.png")
    page.goto(live_server.url + "/moderation/journal")
    assert page.locator("tbody tr").count() == 3
    page.screenshot(path=artifacts / "moderation-09-journal.png")
    page.goto(f"{live_server.url}/moderation/utilisateurs/{author.id}")
    assert "suspendu jusqu" in page.content()
    page.screenshot(path=artifacts / "moderation-10-user.png")
    assert outside == []
