"""The resident front end on a 360×640 phone: the network drops while sending (the idea is stored once,
with its photo), a proposal with the keyboard alone, and axe (WCAG 2.2 with target-size) on every page."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import text

from app.contributions.demo import seed_demo
from app.extensions import db
from app.restitution.services import publish as publish_restitution
from tests.conftest import PASSWORD
from tests.contributions.conftest import inside_lonlat, jpeg_bytes

pytestmark = [pytest.mark.committed, pytest.mark.browser]
PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "locale": "fr-FR"}
MAP_DATA = re.compile(r"/api/consultations/[^/]+/map(/\d+/\d+/\d+)?(\?|$)")
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(10000)
    page.map_requests = []
    page.on("request", lambda r: page.map_requests.append(r.url) if MAP_DATA.search(r.url) else None)
    yield page
    context.close()


def _sign_in(page, base, user):
    page.goto(base + "/connexion")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def _ideas_drawn(page):
    page.wait_for_function("() => document.documentElement.dataset.ideasDrawn !== undefined")


def _count(consultation_id):
    return db.session.execute(
        text(
            "SELECT count(*), (SELECT count(*) FROM photos p JOIN contributions c ON c.id = p.contribution_id"
            " WHERE c.consultation_id = :id) FROM contributions WHERE consultation_id = :id"
        ),
        {"id": consultation_id},
    ).one()


def _clear_of_the_controls(page, box):
    for control in page.locator(".leaflet-control, .cc-fab").all():
        other = control.bounding_box()
        if other is None or not control.is_visible():
            continue
        apart = (
            box["x"] + box["width"] <= other["x"]
            or other["x"] + other["width"] <= box["x"]
            or box["y"] + box["height"] <= other["y"]
            or other["y"] + other["height"] <= box["y"]
        )
        assert apart, (box, other)


def _serious(page, name):
    results = Axe().run(page, options=AXE_OPTIONS)
    found = [
        (v["id"], v["impact"], [(n["target"], n.get("failureSummary")) for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert found == [], f"{name}: {found}"


def test_the_network_drops_while_sending_then_the_idea_is_stored_once_with_its_photo(
    live_server, phone, make_consultation, make_user, artifacts
):
    consultation = make_consultation(slug="cite-12-14-lens", qpv_codes=["QP062024"])
    seed_demo([consultation])
    resident = make_user()
    before, photos_before = _count(consultation.id)
    db.session.commit()
    page, base = phone, live_server.url
    _sign_in(page, base, resident)
    page.map_requests.clear()
    page.goto(f"{base}/consultations/{consultation.slug}/carte")
    _ideas_drawn(page)
    page.wait_for_timeout(400)  # a second request would follow a moveend within 150 ms
    assert len(page.map_requests) == 1, page.map_requests  # the map data, fetched once on first load

    page.get_by_role("button", name="+ Proposer une idée").click()
    page.get_by_role("button", name="Valider ce lieu").click()
    page.locator("#cc-theme").select_option("mobilite-accessibilite")
    page.locator("#cc-title").fill("Un abri pour les vélos près du collège")
    page.locator("#cc-body").fill("Les vélos restent sous la pluie toute la journée.")
    page.locator("#cc-photos").set_input_files(
        {"name": "velos.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(size=(800, 600))}
    )
    page.get_by_role("button", name="Retirer la photo 1").wait_for()
    assert page.locator("#cc-photo-previews img").count() == 1
    assert page.locator("#cc-camera").get_attribute("capture") == "environment"
    assert page.get_by_role("button", name="Prendre une photo").is_visible()

    # The request reaches the server, which stores the idea; the answer is lost with the network.
    def drop_the_answer(route):
        route.fetch()
        page.context.set_offline(True)
        route.abort("internetdisconnected")

    page.route("**/proposer", drop_the_answer)
    page.get_by_role("button", name="Publier mon idée").click()
    toast = page.get_by_role("alert").filter(has_text="Pas de connexion")
    toast.wait_for()
    _clear_of_the_controls(page, toast.bounding_box())
    assert toast.get_by_role("button", name="Fermer le message").is_visible()  # dismissible
    page.screenshot(path=artifacts / "resident-front-01-hors-ligne.png")
    page.unroute("**/proposer")
    assert _count(consultation.id)[0] == before + 1  # stored once already; the phone does not know it

    with pytest.raises(Exception):  # noqa: B017 - the reload itself fails: no network
        page.reload()
    # The resident closes the tab, the network comes back, they open the map again: no page is left to
    # hear the network return and send the draft before the new one (that page would get the answer).
    context = page.context
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.set_default_timeout(10000)
    page.goto(f"{base}/consultations/{consultation.slug}/carte")
    # The draft comes back from the phone and leaves again by itself with the same Idempotency-Key.
    page.get_by_text("Merci ! Votre idée est publiée sur la carte.").wait_for()
    page.screenshot(path=artifacts / "resident-front-02-renvoyee.png")
    assert page.locator("#cc-sheet-title").inner_text() == "Un abri pour les vélos près du collège"
    db.session.remove()
    count, photos = _count(consultation.id)
    assert (count, photos) == (before + 1, photos_before + 1)
    page.reload()
    _ideas_drawn(page)
    assert page.locator("#cc-form-box").is_hidden()  # the draft was forgotten once answered
    assert _count(consultation.id)[0] == before + 1

    # A draft being written comes back after a reload, until it is abandoned.
    page.get_by_role("button", name="+ Proposer une idée").click()
    page.get_by_role("button", name="Valider ce lieu").click()
    page.locator("#cc-title").fill("Un composteur de quartier")
    page.wait_for_timeout(600)  # saved 0.4 s after the last key
    page.reload()
    page.get_by_text("Votre brouillon a été retrouvé sur ce téléphone.").wait_for()
    assert page.locator("#cc-title").input_value() == "Un composteur de quartier"
    page.get_by_role("button", name="Abandonner cette idée").click()
    page.get_by_text("Idée abandonnée").wait_for()
    page.reload()
    _ideas_drawn(page)
    page.wait_for_timeout(300)
    assert page.locator("#cc-form-box").is_hidden()


def test_a_proposal_with_the_keyboard_alone(
    live_server, phone, make_consultation, make_user, make_contribution
):
    consultation = make_consultation(slug="cite-12-14-lens", qpv_codes=["QP062024"])
    lon, lat = inside_lonlat(consultation)
    idea = make_contribution(consultation, title="Un banc devant la médiathèque", lon=lon, lat=lat)
    resident = make_user()
    db.session.commit()
    page, base = phone, live_server.url
    _sign_in(page, base, resident)
    page.goto(f"{base}/consultations/{consultation.slug}/carte?idee={idea.id}")
    page.evaluate(
        """() => { window.ccPointer = 0;
          for (const name of ["pointerdown", "mousedown", "touchstart", "pointerup"]) {
            document.addEventListener(name, () => { window.ccPointer += 1; }, true);
          } }"""
    )
    page.locator("#cc-sheet-title", has_text="Un banc devant la médiathèque").wait_for()
    page.keyboard.press("Escape")

    # « Idées dans cette zone »: reached, opened and read with the keyboard.
    _tab_until(page, "summary", "Idées dans cette zone")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Un banc devant la médiathèque").wait_for()  # its title, fetched
    _tab_until(page, "button", "Un banc devant la médiathèque")
    page.keyboard.press("Enter")
    page.locator("#cc-sheet-title", has_text="Un banc devant la médiathèque").wait_for()
    assert page.evaluate("document.activeElement.id") == "cc-sheet-title"
    page.keyboard.press("Escape")

    _tab_until(page, "button", "+ Proposer une idée")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "cc-place-help"
    _tab_until(page, "button", "Valider ce lieu")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "cc-theme"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Des poubelles de tri au square")
    page.keyboard.press("Enter")  # submits the form
    page.get_by_text("Merci ! Votre idée est publiée sur la carte.").wait_for()
    assert page.evaluate("window.ccPointer") == 0
    titles = db.session.execute(
        text("SELECT title FROM contributions WHERE consultation_id = :id"), {"id": consultation.id}
    ).scalars()
    assert "Des poubelles de tri au square" in set(titles)


def _tab_until(page, tag, name, most=60):
    for _ in range(most):
        page.keyboard.press("Tab")
        found = page.evaluate(
            "([tag, name]) => document.activeElement.tagName.toLowerCase() === tag"
            " && document.activeElement.textContent.includes(name)",
            [tag, name],
        )
        if found:
            return
    raise AssertionError(f"{tag} « {name} » not reached with Tab")


def test_markers_are_44_px_targets_that_never_cover_one_another_with_a_legend(
    live_server, phone, make_consultation, make_contribution
):
    consultation = make_consultation(slug="cite-12-14-lens", qpv_codes=["QP062024"])
    lon, lat = inside_lonlat(consultation)
    for i, theme in enumerate(["mobilite-accessibilite", "sante", "numerique", "sante"]):
        make_contribution(consultation, title=f"Idée serrée {i}", theme=theme, lon=lon + i * 1e-5, lat=lat)
    db.session.commit()
    page = phone
    page.goto(f"{live_server.url}/consultations/{consultation.slug}/carte?")
    _ideas_drawn(page)
    page.evaluate(f"() => CarteCommune.map.setView([{lat}, {lon}], 17, {{animate: false}})")
    page.wait_for_timeout(800)
    assert page.locator(".cc-idea").count() == 4, page.evaluate(
        "() => [...document.querySelectorAll('.cc-marker')].map(m => m.className + ' ' + m.title)"
    )
    boxes = [page.locator(".cc-idea").nth(i).bounding_box() for i in range(4)]
    assert all(b["width"] >= 44 and b["height"] >= 44 for b in boxes), boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap_x = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
            overlap_y = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
            assert overlap_x <= 0 or overlap_y <= 0, (a, b)
    # Each theme has its own symbol as well as its colour, in the markers and the legend.
    page.locator("#cc-zone summary").click()  # the list asks for the titles, and names the markers
    page.get_by_role("button", name="Idée serrée 3").wait_for()
    symbols = dict(
        page.evaluate("() => [...document.querySelectorAll('.cc-idea')].map(m => [m.title, m.textContent])")
    )
    by_title = {title.split(" (")[0]: symbol for title, symbol in symbols.items()}
    assert by_title["Idée serrée 1"] == by_title["Idée serrée 3"], symbols  # both « Santé »
    assert len({by_title[f"Idée serrée {i}"] for i in range(3)}) == 3, symbols
    page.locator("#cc-zone summary").click()
    page.get_by_text("Filtres et légende").click()
    legend = page.locator(".cc-legend li").all_inner_texts()
    assert any(line.startswith(by_title["Idée serrée 1"]) and "Santé" in line for line in legend), legend
    assert len({line[0] for line in legend}) == len(legend), legend  # one symbol per theme
    assert "4 idées dans cette zone" in page.locator("#cc-status").inner_text()
    _serious(page, "carte (idées proches)")


def test_axe_wcag22_with_target_size_on_every_resident_page(
    live_server, phone, make_consultation, make_user, artifacts
):
    consultation = make_consultation(slug="cite-12-14-lens", qpv_codes=["QP062024"])
    seed_demo([consultation])
    resident = make_user()
    idea_id = db.session.execute(
        text("SELECT id FROM contributions WHERE consultation_id = :id ORDER BY id LIMIT 1"),
        {"id": consultation.id},
    ).scalar()
    lon, lat = inside_lonlat(consultation)
    publish_restitution(make_user(role="moderator"), consultation)
    db.session.commit()
    page, base, slug = phone, live_server.url, consultation.slug
    for path in ["/connexion", "/inscription", "/mot-de-passe/oubli", f"/consultations/{slug}/carte"]:
        page.goto(base + path)
        if path.endswith("/carte"):
            _ideas_drawn(page)
        _serious(page, f"{path} (anonyme)")
    _sign_in(page, base, resident)
    pages = [
        "/",
        f"/consultations/{slug}",
        f"/consultations/{slug}/carte",
        f"/consultations/{slug}/idees",
        f"/idees/{idea_id}",
        f"/consultations/{slug}/proposer",
        f"/consultations/{slug}/proposer?lon={lon}&lat={lat}",
        "/compte",
        "/compte/jetons",
        "/confidentialite",
        f"/consultations/{slug}/restitution",
        "/notifications",
        "/notifications/suivis",
        "/notifications/preferences",
    ]
    for path in pages:
        response = page.goto(base + path)
        assert response.status < 400, path
        if path.endswith("/carte"):
            _ideas_drawn(page)
            assert page.locator(".cc-marker").count() > 0  # the map is checked with markers on it
            _serious(page, path)
            # At the street zoom: the single ideas, and the list « Idées dans cette zone » open.
            page.evaluate(f"() => CarteCommune.map.setView([{lat}, {lon}], 16, {{animate: false}})")
            page.wait_for_timeout(600)
            page.locator("#cc-zone summary").click()
            page.screenshot(path=artifacts / "resident-front-03-liste-zone.png")
        _serious(page, path)
