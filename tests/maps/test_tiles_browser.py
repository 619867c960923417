"""The resident map asks for cacheable tiles below the street zoom, without a cookie, and draws them."""

import re

import pytest

from app.extensions import db
from app.maps.grid import rebuild_grid

pytestmark = [pytest.mark.committed, pytest.mark.browser]
AREA = (2.805, 50.430, 2.835, 50.445)
TILE = re.compile(r"/map/(\d+)/(\d+)/(\d+)(\?|$)")


def test_the_map_below_street_zoom_loads_shared_tiles(live_server, browser, make_consultation, seed_points):
    consultation = make_consultation()
    seed_points(consultation, 200, AREA)
    rebuild_grid(consultation.id)
    db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(8000)
    tiles = []
    page.on("request", lambda r: tiles.append(r) if TILE.search(r.url) else None)
    page.goto(f"{live_server.url}/consultations/{consultation.slug}/carte")
    page.get_by_text(re.compile(r"idées? dans cette zone|Aucune idée")).wait_for()
    page.evaluate("() => CarteCommune.map.setView([50.4375, 2.82], 13, {animate: false})")
    page.wait_for_function("() => document.querySelectorAll('.cc-cluster').length > 0")
    page.wait_for_load_state("networkidle")
    at_13 = [r for r in tiles if TILE.search(r.url).group(1) == "13"]
    assert at_13, [r.url for r in tiles]
    assert all("cookie" not in r.all_headers() for r in at_13)
    assert all(r.response().status == 200 for r in at_13)
    assert all(r.response().headers["cache-control"].startswith("public") for r in at_13)
    status = page.locator("#cc-status").inner_text()
    assert re.search(r"\d+ idées dans cette zone", status), status
    context.close()
