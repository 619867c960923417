"""Kiosk offline: an idea kept on the tablet is sent with an Idempotency-Key and stored once."""

import pytest
from sqlalchemy import func, select

from app.contributions.models import Contribution
from app.extensions import db
from app.workshops.models import Kiosk
from tests.workshops.test_browser import PORTRAIT, open_kiosk, tablet  # noqa: F401
from tests.workshops.test_kiosk import kiosk_post
from tests.workshops.test_kiosk import tablet as kiosk_client  # noqa: F401


def test_a_kiosk_idea_sent_twice_with_its_key_is_stored_once(kiosk_client, consultation):  # noqa: F811
    headers_key = "kiosk-entry-000001"
    first = _post(kiosk_client, consultation, headers_key)
    assert first.status_code == 201, first.get_json()
    again = _post(kiosk_client, consultation, headers_key)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1


def _post(client, consultation, key):
    from tests.conftest import csrf_token
    from tests.workshops.conftest import point_inside

    point = point_inside(consultation)["coordinates"]
    data = {
        "csrf_token": csrf_token(client, "/borne"),
        "theme": "cadre-de-vie-espaces-publics",
        "title": "Un abri au terrain de foot",
        "body": "",
        "lon": str(point[0]),
        "lat": str(point[1]),
    }
    # the csrf token is part of the form: the tablet keeps the same one between tries
    client.csrf = getattr(client, "csrf", data["csrf_token"])
    data["csrf_token"] = client.csrf
    headers = {"Accept": "application/json", "Idempotency-Key": key}
    return client.post("/borne/contributions", data=data, headers=headers)


def test_without_a_key_the_kiosk_behaves_as_before(kiosk_client, consultation):  # noqa: F811
    assert kiosk_post(kiosk_client, consultation).status_code == 201
    assert kiosk_post(kiosk_client, consultation).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 2


@pytest.mark.committed
@pytest.mark.browser
def test_the_kiosk_keeps_an_idea_offline_and_sends_it_when_the_network_returns(
    tablet,  # noqa: F811
    live_server,
    make_consultation,
    make_user,
    make_workshop,
    artifacts,
):
    consultation = make_consultation(qpv_codes=["QP062024"])
    facilitator = make_user(role="facilitator")
    workshop = make_workshop(consultation, facilitator, title="Atelier du samedi")
    db.session.commit()
    page = tablet(PORTRAIT)
    open_kiosk(page, live_server, facilitator, consultation, workshop)
    page.locator('#kiosk[data-offline-state="ready"]').wait_for(state="attached", timeout=20000)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20000)
    page.context.set_offline(True)
    page.reload()  # the kiosk page comes from the tablet's cache
    page.get_by_role("button", name="Commencer").click()
    page.locator(".kiosk-map .folium-map").click()
    page.get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name=consultation.themes[0].label).click()
    page.fill("#k-title", "Un banc près de l'arrêt de bus")
    page.get_by_role("button", name="Suivant").click()
    page.locator('[data-step="photo"]').get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name="Envoyer mon idée").click()
    page.get_by_text("votre idée est gardée sur la tablette").wait_for()
    page.locator("#k-offline").get_by_text("hors ligne — 1 idée en attente").wait_for()
    page.screenshot(path=artifacts / "workshops-offline-05-borne.png")
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
    page.context.set_offline(False)
    page.locator("#k-offline").wait_for(state="hidden", timeout=20000)
    db.session.expire_all()
    contribution = db.session.scalar(select(Contribution))
    kiosk = db.session.scalar(select(Kiosk))
    assert contribution.title == "Un banc près de l'arrêt de bus"
    assert (contribution.source, contribution.status, contribution.kiosk_id) == ("kiosk", "pending", kiosk.id)
