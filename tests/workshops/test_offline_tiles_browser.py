"""The perimeter's map tiles, kept on the tablet while online, show on the entry map offline."""

import threading

import pytest
from werkzeug.serving import make_server

from app.config import TestConfig
from app.consultations.models import utcnow
from app.extensions import db
from app.workshops.services import create_workshop
from tests.tileserver import ATTRIBUTION
from tests.workshops.test_browser import LANDSCAPE, sign_in, tablet  # noqa: F401

pytestmark = [pytest.mark.committed, pytest.mark.browser]


@pytest.fixture
def tiled_server(app, tile_server):
    """The app with a tile server configured (its CSP allows it), served from a thread."""
    from app import create_app

    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(
        MAP_TILES_URL=tile_server.url,
        MAP_TILES_ATTRIBUTION=ATTRIBUTION,
        MAP_OFFLINE_ZOOMS="12,13,14",
        MAP_OFFLINE_MAX_TILES=200,
        SECRET_KEY=app.config["SECRET_KEY"],
    )
    tiled = create_app(config)
    server = make_server("127.0.0.1", 0, tiled, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


def test_tiles_prepared_online_show_offline(
    tablet,  # noqa: F811
    tiled_server,
    tile_server,
    make_user,
    make_consultation,
    assign,
    artifacts,
):
    consultation = make_consultation(qpv_codes=["QP062024"])
    facilitator = make_user(role="facilitator")
    assign(consultation, facilitator)  # only assigned facilitators open workshops
    workshop = create_workshop(facilitator, consultation, utcnow(), "Maison du projet")
    db.session.commit()
    page = tablet(LANDSCAPE)
    sign_in(page, tiled_server, facilitator, f"/ateliers/{workshop.id}/saisie")
    ready = page.locator("#offline-ready")
    ready.get_by_text("tuiles de carte)").wait_for(timeout=30000)
    tiles = int(ready.inner_text().split(", ")[1].split(" ")[0])
    assert tiles > 10
    page.context.set_offline(True)
    page.reload()
    page.locator("#offline-network").get_by_text("hors ligne").wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('img.leaflet-tile-loaded').length >= 4", timeout=15000
    )
    page.wait_for_timeout(1000)
    page.screenshot(path=artifacts / "workshops-offline-06-tuiles-hors-ligne.png")
    # every tile of the view came from the tablet's cache: none missing
    assert page.locator("img.leaflet-tile").count() == page.locator("img.leaflet-tile-loaded").count()
