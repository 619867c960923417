"""Offline workshop in Chromium at tablet size: prepared online, five ideas offline, sent once each."""

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.consultations.models import utcnow
from app.contributions.models import Contribution
from app.extensions import db
from app.idempotency import IdempotencyKey
from app.workshops import queries
from app.workshops.models import WorkshopParticipant
from app.workshops.services import create_workshop
from tests.workshops.conftest import cell_inside_perimeter
from tests.workshops.test_browser import LANDSCAPE, sign_in, tablet  # noqa: F401

pytestmark = [pytest.mark.committed, pytest.mark.browser]
CONTACT = "06 71 22 33 44"
READ_DEVICE = """async () => {
  const dump = {local: JSON.stringify(Object.assign({}, localStorage)), idb: []};
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, ko) => { const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result); r.onerror = ko; });
    for (const name of db.objectStoreNames) {
      const rows = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result); });
      dump.idb.push({db: info.name, store: name, rows});
    }
    db.close();
  }
  return JSON.stringify(dump);
}"""


def test_five_ideas_offline_are_sent_once_when_the_network_returns(
    tablet,  # noqa: F811
    live_server,
    make_user,
    make_consultation,
    assign,
    artifacts,
):
    consultation = make_consultation(qpv_codes=["QP062024"])
    facilitator = make_user(role="facilitator")
    assign(consultation, facilitator)  # only assigned facilitators open workshops
    workshop = create_workshop(facilitator, consultation, utcnow(), "Maison du projet de la Cité 12/14")
    db.session.commit()
    grid = queries.consultation_grid(consultation.id)
    inside = cell_inside_perimeter(consultation, grid)
    path, api = f"/ateliers/{workshop.id}/saisie", f"/api/workshops/{workshop.id}/contributions"

    page = tablet(LANDSCAPE)
    sign_in(page, live_server, facilitator, path)
    # 1. online: the page prepares itself (service worker, app shell, data) and says so with its size
    ready = page.locator("#offline-ready")
    ready.get_by_text("prêt hors ligne (").wait_for(timeout=20000)
    assert any(unit in ready.inner_text() for unit in (" ko", " Mo"))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.locator("#offline-network").inner_text() == "en ligne"
    # the whole grid is on the screen, with a label on every cell touching the perimeter
    assert page.evaluate(
        """() => { const map = window.carteCommune.map, cells = JSON.parse(document.getElementById('entry-grid').textContent).features;
          const b = L.geoJSON({type: 'FeatureCollection', features: cells}).getBounds();
          return map.getBounds().pad(0.01).contains(b); }"""
    )
    usable = [
        c for c in queries.grid_cells_geojson(grid, consultation.id)["features"] if c["properties"]["inside"]
    ]
    assert page.locator(".grid-label").count() == len(usable)
    page.screenshot(path=artifacts / "workshops-offline-01-pret.png")

    # 2. the network goes away: five ideas, one with a participant's contact
    page.context.set_offline(True)
    page.locator("#offline-network").get_by_text("hors ligne").wait_for()
    titles = [f"Idée hors ligne {n}" for n in range(1, 6)]
    for n, title in enumerate(titles, start=1):
        if n == 3:
            page.locator("#participant summary").click()
            page.fill("#participant-first-name", "Samia")
            page.fill("#participant-contact", CONTACT)
            page.check("#participant-consent")
        page.fill("#grid_ref", inside)
        page.fill("#entry-title", title)
        page.locator("#entry-title").press("Enter")
        page.locator("#entry-recent li.waiting").nth(n - 1).wait_for()
        page.locator("#offline-network").get_by_text(f"hors ligne — {n} idée").wait_for()
    assert page.locator("#offline-network").inner_text() == "hors ligne — 5 idées en attente"
    page.screenshot(path=artifacts / "workshops-offline-02-cinq-en-attente.png")
    assert CONTACT in page.evaluate(READ_DEVICE)  # kept on the device until sent

    # 3. reloaded without a network, the screen still works and still has its five ideas
    page.reload()
    page.locator("#offline-network").get_by_text("hors ligne — 5 idées en attente").wait_for()
    assert page.locator("#entry-recent li.waiting").count() == 5
    assert page.locator(".entry-map .leaflet-container").count() == 1
    assert page.locator(".grid-label").count() == len(usable)
    page.screenshot(path=artifacts / "workshops-offline-03-recharge-hors-ligne.png")
    assert db.session.scalar(select(func.count()).where(Contribution.workshop_id == workshop.id)) == 0

    # 4. the network returns, but the first answer is lost on the way: the retry stores no duplicate
    lost = []

    def lose_first_answer(route):
        if not lost:
            lost.append(route.fetch())  # the server stores it…
            route.abort()  # …but the tablet never hears back
        else:
            route.continue_()

    page.context.route(f"**{api}", lose_first_answer)
    page.context.set_offline(False)
    page.locator("#offline-network").get_by_text("en ligne").wait_for()
    if page.locator("#entry-recent li.waiting").count():
        page.evaluate("() => window.dispatchEvent(new Event('online'))")  # what the 15-second timer would do
    page.wait_for_function(
        "() => document.querySelectorAll('#entry-recent li.sent').length === 5", timeout=20000
    )
    # the network line is redrawn once the whole queue has been answered, just after the last item
    expect(page.locator("#offline-network")).to_have_text("en ligne", timeout=10000)
    assert lost and lost[0].status == 201
    page.screenshot(path=artifacts / "workshops-offline-04-envoyees.png")

    db.session.expire_all()
    stored = db.session.scalars(select(Contribution).where(Contribution.workshop_id == workshop.id)).all()
    assert sorted(c.title for c in stored) == titles  # exactly five, none twice
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 5
    person = db.session.scalars(select(WorkshopParticipant)).one()
    assert person.contact == CONTACT and person.first_name == "Samia"
    # 5. the device holds no participant contact any more (IndexedDB and local storage read in the page)
    device = page.evaluate(READ_DEVICE)
    assert CONTACT not in device and "Samia" not in device
    assert all(not store["rows"] for store in json.loads(device)["idb"])


def test_an_offline_idea_refused_at_sync_says_why_in_french(
    tablet,  # noqa: F811
    live_server,
    make_user,
    make_consultation,
    assign,
):
    consultation = make_consultation(qpv_codes=["QP062024"])
    facilitator = make_user(role="facilitator")
    assign(consultation, facilitator)  # only assigned facilitators open workshops
    workshop = create_workshop(facilitator, consultation, utcnow(), "Maison du projet")
    db.session.commit()
    inside = cell_inside_perimeter(consultation, queries.consultation_grid(consultation.id))
    page = tablet(LANDSCAPE)
    sign_in(page, live_server, facilitator, f"/ateliers/{workshop.id}/saisie")
    page.locator("#offline-ready").get_by_text("prêt hors ligne (").wait_for(timeout=20000)
    page.context.set_offline(True)
    page.locator("#participant summary").click()
    page.fill("#participant-first-name", "Karim")
    page.fill("#participant-contact", CONTACT)
    page.check("#participant-consent")
    page.fill("#grid_ref", inside)
    page.fill("#entry-title", "Une idée arrivée trop tard")
    page.locator("#entry-title").press("Enter")
    page.locator("#offline-network").get_by_text("hors ligne — 1 idée en attente").wait_for()
    # meanwhile, the consultation closes
    consultation.closes_at = utcnow()
    db.session.commit()
    page.context.set_offline(False)
    refused = page.locator("#entry-recent li.refused")
    refused.wait_for(timeout=20000)
    assert (
        "Refusée — Une idée arrivée trop tard : Cette concertation n'est pas ouverte" in refused.inner_text()
    )
    expect(page.locator("#offline-network")).to_have_text("en ligne", timeout=10000)
    assert db.session.scalar(select(func.count()).where(Contribution.workshop_id == workshop.id)) == 0
    assert CONTACT not in page.evaluate(READ_DEVICE)  # answered: it left the device
