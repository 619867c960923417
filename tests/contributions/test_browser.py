"""A resident on a phone: signs up, confirms by the mailed link, places an idea with the crosshair,
sees it on the map and in the list, votes and comments on another idea. Screenshots, axe, weight."""

import gzip
import re
import uuid
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import text

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
    page.get_by_text("Presque fini !").wait_for()
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
    # A viewport asked for while the form was being filled may answer after the click: the map
    # shows what the last street-zoom answer holds, once the map is still.
    answers = []
    page.on(
        "response",
        lambda r: answers.append(r) if "/map?" in r.url and re.search(r"zoom=1[6-9]", r.url) else None,
    )
    page.get_by_role("button", name="Publier mon idée").click()
    page.get_by_text("Merci ! Votre idée est publiée sur la carte.").wait_for()
    title = page.locator("#cc-sheet-title").inner_text()
    assert title == "Un abri pour les vélos près de l'école"
    page.wait_for_load_state("networkidle")
    for _ in range(50):  # the map asks again (forced) right after the answer; wait for it
        if answers:
            break
        page.wait_for_timeout(100)
    assert answers, "no street-zoom map request after the idea was published"
    ids = [f["properties"].get("id") for f in answers[-1].json()["features"]]
    _shot(page, artifacts, "05-idee-publiee")
    return ids


def _tap_the_new_bubble(page, artifacts, anchor, new_id):
    page.get_by_role("button", name="Fermer").click()
    # Close ideas are spread apart (a line joins each to its place): tap the new idea's own marker.
    point = page.evaluate("([lon, lat]) => CarteCommune.map.latLngToContainerPoint([lat, lon])", anchor)
    box = page.locator(".folium-map").bounding_box()
    new_marker = page.locator(f'.cc-idea:has([data-idea="{new_id}"])')
    marker = None
    for _ in range(20):  # drawn again with the answer that holds the new idea (and maybe once more)
        new_marker.wait_for()
        marker = new_marker.bounding_box()  # None when the layer was redrawn in between
        if marker is not None:
            break
    assert abs(marker["x"] + marker["width"] / 2 - box["x"] - point["x"]) < 200  # near its place
    # Tapped where it is when tapped (the layer is drawn again after each map answer: a position read
    # before could be a marker's former place), Playwright waiting for it to stand still.
    new_marker.click()
    page.locator("#cc-sheet-title", has_text="Un abri pour les vélos").wait_for(timeout=15000)
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
    assert any("/leaflet." in path for path in weight) and any("/contributions-map." in p for p in weight)
    assert sum(weight.values()) <= BUDGET, weight
    print("map page JS+CSS gzipped:", sum(weight.values()), weight)

    ids = _propose_with_the_crosshair(page, artifacts)
    new_id = int(page.locator("#cc-summary a.button").get_attribute("href").rsplit("/", 1)[1])
    assert new_id in ids  # the map endpoint now serves the new idea at street zoom
    anchor = page.evaluate(f"fetch('/api/contributions/{new_id}').then(r => r.json()).then(i => i.anchor)")
    _tap_the_new_bubble(page, artifacts, anchor, new_id)

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
    agree = page.get_by_role("button", name="D'accord", exact=True)
    agree.wait_for(timeout=15000)  # the sheet's buttons come with the idea's detail (slower under load)
    assert agree.get_attribute("aria-pressed") == "true"

    page.goto(f"{base}/consultations/{consultation.slug}/proposer?lon={anchor[0]}&lat={anchor[1]}")
    _shot(page, artifacts, "09-formulaire-sans-carte")
    _serious(page, "formulaire (page)")
    assert page.outside == []


def _map_still(page):
    """Wait for the end of the map's zoom or pan animation."""
    page.wait_for_function(
        "() => !CarteCommune.map._animatingZoom && !(CarteCommune.map._panAnim && CarteCommune.map._panAnim._inProgress)"
    )


def _drag_map(page, dx, dy):
    box = page.locator(".folium-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 5  # above the drawing panel
    if dx or dy:
        # A drag ends with « moveend », after Leaflet's inertia when the finger is flicked: wait for
        # it, or the next « Ajouter ce point » takes a place the map is still gliding through.
        page.evaluate("() => { window.ccMoved = new Promise(r => CarteCommune.map.once('moveend', r)); }")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()
    if dx or dy:
        page.evaluate("() => window.ccMoved")


def _publish(page):
    page.get_by_role("button", name="Publier mon idée").click()
    page.locator(".flash-success, #cc-error-geometry:not([hidden])").first.wait_for()
    assert page.locator("#cc-error-geometry").is_hidden(), page.locator("#cc-error-geometry").inner_text()
    page.get_by_text("Merci ! Votre idée est publiée sur la carte.").wait_for()
    return int(page.locator("#cc-summary a.button").get_attribute("href").rsplit("/", 1)[1])


def _draw(page, artifacts, kind, moves, name, inside):
    page.get_by_role("button", name="+ Proposer une idée").click()
    page.get_by_label(kind).check()
    # Bring the place to draw under the crosshair (which sits above the panel, not at the centre).
    page.evaluate(
        """([lat, lon]) => {
          const map = CarteCommune.map, aim = document.getElementById("cc-crosshair").getBoundingClientRect();
          const box = map.getContainer().getBoundingClientRect(), at = map.latLngToContainerPoint([lat, lon]);
          map.panBy([at.x - (aim.left + aim.width / 2 - box.left), at.y - (aim.top + aim.height / 2 - box.top)],
                    {animate: false});
        }""",
        inside,
    )
    done = page.locator("#cc-confirm")
    assert done.is_disabled()  # nothing drawn yet
    for dx, dy in moves:
        _drag_map(page, dx, dy)
        page.get_by_role("button", name="Ajouter ce point").click()
    _shot(page, artifacts, name)
    return done


def test_resident_draws_a_route_then_a_zone(live_server, phone, make_consultation, run_jobs, artifacts):
    consultation = make_consultation(
        slug="cite-12-14-lens",
        qpv_codes=["QP062024"],
        npnru_qpv_code="QP062024",
        geometry_kinds=["point", "line", "polygon"],
    )
    page, base = phone, live_server.url
    _sign_up_and_confirm(page, base, run_jobs, artifacts)
    inside = db.session.execute(
        text(
            "SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM consultations WHERE id = :id) s"
        ),
        {"id": consultation.id},
    ).one()
    page.goto(f"{base}/consultations/{consultation.slug}/carte")
    page.get_by_text(re.compile(r"idées? dans cette zone|Aucune idée")).wait_for()
    # The map opens with an animated fit to the perimeter: let it end before moving the map.
    _map_still(page)
    page.evaluate("([lat, lon]) => CarteCommune.map.setView([lat, lon], 17, {animate: false})", list(inside))
    inside = list(inside)

    # A route: two points are enough; the sketch follows each « Ajouter ce point ».
    done = _draw(page, artifacts, "Un trajet", [(0, 0), (-60, 40), (-40, -50)], "10-trajet", inside)
    assert page.locator("#cc-place-help").inner_text().endswith("3 points placés.")
    _serious(page, "tracé d'un trajet")
    assert done.inner_text() == "Terminer le trajet"
    done.click()
    assert page.locator("#cc-place-what").inner_text() == "Trajet tracé sur la carte."
    page.locator("#cc-theme").select_option("mobilite-accessibilite")
    page.locator("#cc-title").fill("Un chemin sûr vers l'école")
    route_id = _publish(page)
    route = page.evaluate(f"fetch('/api/contributions/{route_id}').then(r => r.json())")
    assert route["geometry"]["type"] == "LineString" and len(route["geometry"]["coordinates"]) == 3
    drawn = page.evaluate(  # the route is drawn on the map while its sheet is open
        "() => { let n = 0; CarteCommune.map.eachLayer(l => { if (l instanceof L.Polyline"
        " && !(l instanceof L.Polygon) && l.getLatLngs().length === 3) n++; }); return n; }"
    )
    assert drawn == 1
    _shot(page, artifacts, "11-trajet-publie")
    page.get_by_role("button", name="Fermer").click()

    # A zone: three corners at least; the last one can be taken back.
    done = _draw(page, artifacts, "Une zone", [(0, 0), (70, 0), (0, 60)], "12-zone", inside)
    add, help_ = page.get_by_role("button", name="Ajouter ce point"), page.locator("#cc-place-help")
    # A tap while the map still glides (a flick) stops it there: the point stays under the crosshair.
    page.evaluate("() => CarteCommune.map.panBy([150, 0], {duration: 1.5})")
    add.click()
    assert help_.inner_text().endswith("4 points placés.")
    page.wait_for_timeout(1700)
    add.click()  # the map has not moved since: refused
    assert "ce point est déjà placé" in help_.inner_text()
    page.get_by_role("button", name="Retirer un point").click()
    assert help_.inner_text().endswith("3 points placés.")
    page.get_by_role("button", name="Retirer un point").click()
    assert done.is_disabled() and "Encore 1 au moins." in page.locator("#cc-place-help").inner_text()
    _drag_map(page, 10, 100)  # a tall zone: more than the map shows above the sheet
    page.get_by_role("button", name="Ajouter ce point").click()
    done.click()
    page.locator("#cc-theme").select_option("cadre-de-vie-espaces-publics")
    page.locator("#cc-title").fill("Réaménager la place du marché")
    zone_id = _publish(page)
    zone = page.evaluate(f"fetch('/api/contributions/{zone_id}').then(r => r.json())")
    ring = zone["geometry"]["coordinates"][0]
    assert zone["geometry"]["type"] == "Polygon" and len(ring) == 4 and ring[0] == ring[-1]
    _map_still(page)  # the map moves (animated) to bring the zone above the sheet
    seen = page.evaluate(  # the whole zone lies in the part of the map the sheet leaves visible
        """() => { const map = CarteCommune.map; let shape = null;
          map.eachLayer(l => { if (l instanceof L.Polygon && l.getLatLngs()[0].length === 3) shape = l; });
          const b = shape.getBounds(), ne = map.latLngToContainerPoint(b.getNorthEast()),
                sw = map.latLngToContainerPoint(b.getSouthWest()),
                top = document.getElementById("cc-sheet").getBoundingClientRect().top
                      - map.getContainer().getBoundingClientRect().top;
          return {top: ne.y, bottom: sw.y, left: sw.x, right: ne.x, visible: top, width: map.getSize().x, zoom: map.getZoom()}; }"""
    )
    assert 0 <= seen["top"] and seen["bottom"] <= seen["visible"], seen
    assert 0 <= seen["left"] and seen["right"] <= seen["width"], seen
    assert seen["zoom"] >= 16, seen  # still at street zoom, where the new idea is shown at once
    _shot(page, artifacts, "13-zone-publiee")
    assert page.outside == []
