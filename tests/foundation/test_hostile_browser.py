"""Hostile text everywhere, in Chromium: no script of it runs, no dialog, no CSP violation, on every page.

Titles, bodies, comments, a pseudonym, a workshop name and a consultation title carry HTML and
script payloads; some are posted through the pages themselves (comment, facilitator entry). Every
page that shows them is visited, map markers hovered and clicked, tooltips and sheets opened.
"""

from datetime import timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import text

from app.consultations.models import utcnow
from app.extensions import db
from app.reports.services import enqueue_report, request_report
from app.workshops.models import Workshop
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.committed, pytest.mark.browser]

IMG = "<img src=x onerror=window.__xss=1;alert(1)>"
SCRIPT = '"><script>window.__xss=1;alert(1)</script>'
LINK = '<a href="javascript:window.__xss=1">javascript:window.__xss=1</a>'
TEMPLATE = "${window.__xss=1}{{7*7}}<svg onload=window.__xss=1>"
TITLE = f"{IMG}{SCRIPT}"[:140]
BODY = f"{SCRIPT} {LINK} {TEMPLATE} {IMG}"
COMMENT = f"{IMG} {SCRIPT} {LINK}"
PSEUDONYM = "<img src=x onerror=window.__xss=1>"
WORKSHOP = f"{SCRIPT}{IMG}"
PENDING = f"En attente {IMG}"
ENTRY_TITLE = f"{IMG}{TEMPLATE}"[:140]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ""}`);
});
"""


class Watched:
    """A signed-in browser context whose pages count dialogs and CSP violations."""

    def __init__(self, browser, base):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.page.set_default_timeout(8000)
        self.base = base
        self.dialogs, self.console = [], []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on(
            "console",
            lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def sign_in(self, user):
        self.page.goto(f"{self.base}/connexion?next={quote('/')}")
        self.page.fill("input[name=email]", user.email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_url(f"{self.base}/")

    def visit(self, path, expect_status=200):
        response = self.page.goto(self.base + path)
        assert response.status == expect_status, (path, response.status)
        self.page.wait_for_load_state("load")
        self.check(path)

    def check(self, where):
        self.page.wait_for_timeout(150)  # violation events are dispatched asynchronously
        assert self.page.evaluate("typeof window.__xss") == "undefined", where
        assert self.page.evaluate("window.__csp") == [], (where, self.page.evaluate("window.__csp"))
        assert self.dialogs == [], (where, self.dialogs)
        assert self.console == [], (where, self.console)

    def shows_text(self, needle):
        """The hostile text is on the page as text (escaped, not dropped)."""
        return needle in self.page.locator("body").inner_text()

    def close(self):
        self.context.close()


HOVER_FEATURES = """
(needle) => {
  const el = document.querySelector(".folium-map");
  const map = window[el.id];
  const points = [];
  map.eachLayer((layer) => {
    const props = layer.feature && layer.feature.properties;
    if (!props || !Object.values(props).some((v) => String(v).includes(needle))) return;
    const at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
    const p = map.latLngToContainerPoint(at);
    points.push([p.x, p.y]);
  });
  return points;
}
"""


def hover_and_click_features(watched, needle):
    """Hover then click every folium feature whose properties hold `needle`; tooltip text seen."""
    page = watched.page
    page.locator(".folium-map").scroll_into_view_if_needed()
    seen = []
    for _attempt in range(3):  # the map may still be fitting its bounds: positions are read again
        points = page.evaluate(HOVER_FEATURES, needle)
        assert points, "no feature with the hostile text on this map"
        box = page.locator(".folium-map").bounding_box()
        for x, y in points:
            page.mouse.move(box["x"] + x, box["y"] + y)
            _wait_for_tooltip(page, needle)
            seen += page.locator(".leaflet-tooltip").all_inner_texts()
            page.mouse.click(box["x"] + x, box["y"] + y)
            page.wait_for_timeout(150)
        if any(needle in shown for shown in seen):
            break
        page.mouse.move(0, 0)
        page.wait_for_timeout(500)
    watched.check(f"map features of {page.url}")
    assert any(needle in shown for shown in seen), seen  # shown as text


def _wait_for_tooltip(page, needle):
    try:
        page.wait_for_function(
            "(n) => [...document.querySelectorAll('.leaflet-tooltip')].some((t) => t.textContent.includes(n))",
            arg=needle,
            timeout=2000,
        )
    except PlaywrightTimeout:
        pass  # looked at by the caller's assertion


def sheet_shows(page, *titles):
    page.wait_for_function(
        "(titles) => titles.includes(document.getElementById('cc-sheet-title').textContent)", arg=list(titles)
    )


def _seed(make_user, make_consultation, make_contribution, make_comment, make_vote):
    admin = make_user(role="admin")
    resident = make_user(pseudonym=PSEUDONYM)
    consultation = make_consultation(
        title=f"Concertation {IMG}", summary=f"Résumé {SCRIPT}", moderation_mode="post"
    )
    published = make_contribution(consultation, author=resident, title=TITLE, body=BODY)
    pending = make_contribution(consultation, author=resident, title=PENDING, status="pending")
    make_comment(published, resident, body=COMMENT)
    for _ in range(3):
        make_vote(published, make_user())
    workshop = Workshop(
        consultation_id=consultation.id,
        title=WORKSHOP,
        starts_at=utcnow() + timedelta(hours=1),
        place_name=f"Salle {IMG}",
        address=SCRIPT,
        created_by_id=admin.id,
        created_at=utcnow(),
    )
    workshop.facilitators = [admin]
    db.session.add(workshop)
    db.session.commit()
    return admin, resident, consultation, published, pending, workshop


def _generate_report(consultation, run_jobs):
    report = request_report(None, consultation=consultation, enqueue=False)
    db.session.commit()
    enqueue_report(report)
    run_jobs(["reports"])
    return report


def _resident_pages(watched, consultation, published):
    slug = consultation.slug
    watched.visit(f"/consultations/{slug}")
    watched.visit(f"/consultations/{slug}/idees")
    assert watched.shows_text(TITLE)
    watched.visit(f"/consultations/{slug}/idees?q={quote(SCRIPT)}")  # reflected, not only stored
    watched.visit(f"/{quote(SCRIPT)}", expect_status=404)
    watched.visit(f"/idees/{published.id}")
    assert watched.shows_text(BODY) and watched.shows_text(COMMENT) and watched.shows_text(PSEUDONYM)
    # a hostile comment posted through the page itself
    watched.page.get_by_label("Ajouter un commentaire").fill(f"Réponse {SCRIPT}{IMG}")
    watched.page.get_by_role("button", name="Publier le commentaire").click()
    watched.page.get_by_text("Merci, votre commentaire est publié.").wait_for()
    watched.check("comment posted")
    watched.visit(f"/idees/{published.id}")
    assert watched.shows_text(f"Réponse {SCRIPT}{IMG}")
    # the resident map: the idea's sheet, then its bubble hovered and tapped
    watched.visit(f"/consultations/{slug}/carte?idee={published.id}")
    page = watched.page
    sheet_shows(page, TITLE)
    assert (
        SCRIPT in page.locator("#cc-summary").inner_text()
        and PSEUDONYM in page.locator("#cc-summary").inner_text()
    )
    watched.check("map sheet")
    page.get_by_role("button", name="Fermer").click()
    page.wait_for_function(
        "() => !CarteCommune.map._animatingZoom && !(CarteCommune.map._panAnim && CarteCommune.map._panAnim._inProgress)"
    )
    anchor = page.evaluate(
        f"fetch('/api/contributions/{published.id}').then(r => r.json()).then(i => i.anchor)"
    )
    point = page.evaluate("([lon, lat]) => CarteCommune.map.latLngToContainerPoint([lat, lon])", anchor)
    box = page.locator(".folium-map").bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_timeout(200)
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    sheet_shows(page, TITLE, PENDING)  # both at the same place: the author's pending idea is on top
    watched.check("map bubble")
    watched.visit(f"/consultations/{slug}/proposer")
    watched.visit("/compte")


def _ogc_pages(watched, consultation, published):
    slug = consultation.slug
    for path in ("/ogc?f=html", "/ogc/collections?f=html", f"/ogc/collections/{slug}-points?f=html"):
        watched.visit(path)
    watched.visit(f"/ogc/collections/{slug}-points/items?f=html")
    assert watched.shows_text(TITLE)
    hover_and_click_features(watched, TITLE)
    watched.visit(f"/ogc/collections/{slug}-points/items/{published.id}?f=html")
    assert watched.shows_text(TITLE)


def _staff_pages(watched, consultation, published, pending, resident, workshop):
    for path in (
        "/moderation/",
        f"/moderation/concertations/{consultation.slug}",
        f"/moderation/contributions/{published.id}",
        f"/moderation/contributions/{pending.id}",
        "/moderation/commentaires",
        "/moderation/utilisateurs",
        f"/moderation/utilisateurs/{resident.id}",
        "/moderation/motifs",
        "/moderation/journal",
        "/rapports",
        "/exports",
        "/ateliers",
        f"/ateliers/{workshop.id}",
    ):
        watched.visit(path)
    assert watched.shows_text(WORKSHOP)
    watched.visit(f"/rapports/concertations/{consultation.slug}")
    assert watched.page.locator(".charts svg").count() >= 1
    hover_and_click_features(watched, TITLE)


def _facilitator_entry(watched, workshop):
    """A hostile idea typed on the facilitator's entry screen, shown back by our script."""
    page = watched.page
    watched.visit(f"/ateliers/{workshop.id}/saisie")
    page.locator(".entry-map .folium-map").click()
    page.fill("#entry-title", ENTRY_TITLE)
    page.fill("#entry-body", BODY)
    page.locator("#entry-body").press("Control+Enter")
    page.locator("#entry-status", has_text="enregistrée").wait_for()
    assert ENTRY_TITLE in page.locator("#entry-recent").inner_text()
    watched.check("entry posted")
    watched.visit(f"/ateliers/{workshop.id}")


def _kiosk(watched, consultation, workshop):
    page = watched.page
    watched.visit(f"/borne/ouvrir?consultation={consultation.slug}&workshop={workshop.id}")
    page.fill("#name", f"Tablette {IMG}")
    page.fill("#code", "2468")
    page.fill("#code_confirm", "2468")
    page.get_by_role("button", name="Ouvrir la borne").click()
    page.wait_for_url("**/borne")
    watched.check("kiosk")
    page.get_by_role("button", name="Commencer").click()
    page.locator(".kiosk-map .folium-map").click()
    page.get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name=consultation.themes[0].label).click()
    page.fill("#k-title", TITLE)
    page.fill("#k-body", BODY)
    watched.check("kiosk form")


def test_hostile_text_never_runs_on_any_page(
    browser, live_server, make_user, make_consultation, make_contribution, make_comment, make_vote, run_jobs
):
    admin, resident, consultation, published, pending, workshop = _seed(
        make_user, make_consultation, make_contribution, make_comment, make_vote
    )
    report = _generate_report(consultation, run_jobs)
    db.session.expire_all()
    state = db.session.execute(text("SELECT status FROM reports WHERE id = :id"), {"id": report.id}).scalar()
    assert state == "finished", state

    visitor = Watched(browser, live_server.url)
    try:
        visitor.sign_in(resident)
        _resident_pages(visitor, consultation, published)
    finally:
        visitor.close()
    anonymous = Watched(browser, live_server.url)
    try:
        _ogc_pages(anonymous, consultation, published)
        anonymous.visit("/territoire")
    finally:
        anonymous.close()
    staff = Watched(browser, live_server.url)
    try:
        staff.sign_in(admin)
        _staff_pages(staff, consultation, published, pending, resident, workshop)
        _facilitator_entry(staff, workshop)
        staff.visit(f"/moderation/concertations/{consultation.slug}")
        _kiosk(staff, consultation, workshop)
    finally:
        staff.close()
