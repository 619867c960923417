"""Kiosk mode: opened with a code on the tablet, locked, account-free, reset when idle, rate-limited."""

import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.contributions.models import Contribution
from app.extensions import db, redis_connection
from app.workshops import kiosk as kiosk_services
from app.workshops.kiosk import COOKIE_NAME
from app.workshops.models import Kiosk
from tests.conftest import csrf_token, login
from tests.workshops.conftest import point_inside

CODE = "4821"


def open_on(client, user, consultation, workshop=None, idle="60", code=CODE):
    """Open a kiosk on this test client (the tablet), as the facilitator does."""
    login(client, user)
    token = csrf_token(client, "/borne/ouvrir")
    data = {
        "csrf_token": token,
        "consultation": consultation.slug,
        "workshop": str(workshop.id) if workshop else "",
        "name": "Tablette de la maison du projet",
        "code": code,
        "code_confirm": code,
        "idle_reset_seconds": idle,
    }
    return client.post("/borne/ouvrir", data=data)


@pytest.fixture
def tablet(app, facilitator, consultation, workshop):
    """A test client that is an open kiosk for the consultation (through the workshop)."""
    tablet = app.test_client()
    response = open_on(tablet, facilitator, consultation, workshop)
    assert response.status_code == 302 and response.headers["Location"].endswith("/borne")
    return tablet


def kiosk_post(tablet, consultation, **fields):
    point = point_inside(consultation)["coordinates"]
    data = {
        "csrf_token": csrf_token(tablet, "/borne"),
        "theme": "cadre-de-vie-espaces-publics",
        "title": "Un abri au terrain de foot",
        "body": "Quand il pleut, les parents attendent dehors.",
        "lon": str(point[0]),
        "lat": str(point[1]),
        **fields,
    }
    return tablet.post("/borne/contributions", data=data, headers={"Accept": "application/json"})


def the_kiosk():
    return db.session.scalar(select(Kiosk))


# --- opening --------------------------------------------------------------------------------------
def test_opening_a_kiosk_logs_the_facilitator_out_and_sets_a_device_cookie(tablet, facilitator):
    kiosk = the_kiosk()
    cookie = tablet.get_cookie(COOKIE_NAME)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    assert kiosk.device_token_hash == kiosk_services.hash_token(cookie.value)
    assert cookie.value not in (kiosk.code_hash, kiosk.device_token_hash)
    assert CODE not in kiosk.code_hash  # hashed, never stored in clear
    assert kiosk.opened_by_id == facilitator.id and kiosk.idle_reset_seconds == 60
    page = tablet.get("/borne").get_data(as_text=True)
    assert "Une idée pour le quartier" in page
    assert "Se déconnecter" not in page and facilitator.pseudonym not in page  # no account on the tablet


@pytest.mark.parametrize("role, status", [("resident", 403), ("urbanist", 403), ("moderator", 302)])
def test_only_facilitators_and_moderators_open_kiosks(app, make_user, consultation, role, status):
    response = open_on(app.test_client(), make_user(role=role), consultation)
    assert response.status_code == status


def test_a_facilitator_of_another_consultation_cannot_open_one_here(
    app, make_user, make_workshop, make_consultation, consultation
):
    outsider = make_user(role="facilitator")
    make_workshop(make_consultation(qpv_codes=["QP062019"]), outsider)
    response = open_on(app.test_client(), outsider, consultation)
    assert response.status_code == 403


@pytest.mark.parametrize("change", [{"code": "12"}, {"idle": "5"}])
def test_bad_kiosk_settings_are_explained(app, facilitator, consultation, workshop, change):
    response = open_on(app.test_client(), facilitator, consultation, workshop, **change)
    assert response.status_code == 422
    assert "Le code de la borne" in response.get_data(as_text=True) or "Remise à zéro" in response.get_data(
        as_text=True
    )
    assert the_kiosk() is None


def test_the_tablet_is_locked_to_the_kiosk(tablet):
    for path in ("/", "/ateliers", "/compte", "/territoire"):
        response = tablet.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/borne"), path
    assert tablet.get("/static/css/workshops.css").status_code == 200


def test_a_browser_without_the_cookie_is_no_kiosk(client):
    assert client.get("/borne").status_code == 404
    assert client.post("/borne/reinitialiser", headers={"X-CSRFToken": csrf_token(client)}).status_code == 403


# --- contributions from the kiosk -------------------------------------------------------------------
def test_kiosk_contributions_are_pre_moderated_with_their_provenance(client, tablet, consultation, workshop):
    response = kiosk_post(tablet, consultation)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "pending" and data["source"] == "kiosk"
    contribution = db.session.get(Contribution, data["id"])
    kiosk = the_kiosk()
    assert (contribution.source, contribution.kiosk_id, contribution.workshop_id) == (
        "kiosk",
        kiosk.id,
        workshop.id,
    )
    assert (
        contribution.author_id is None
        and contribution.status == "pending"
        and contribution.published_at is None
    )
    # not public until a moderator approves it
    assert client.get(f"/api/contributions/{data['id']}").status_code == 404
    assert tablet.get(f"/api/contributions/{data['id']}").status_code == 302  # the tablet stays in the kiosk


def test_kiosk_contribution_with_a_photo(tablet, consultation):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buffer, "JPEG")
    buffer.seek(0)
    response = kiosk_post(
        tablet, consultation, photo=FileStorage(buffer, "photo.jpg", content_type="image/jpeg")
    )
    assert response.status_code == 201, response.get_json()
    contribution = db.session.get(Contribution, response.get_json()["id"])
    assert len(contribution.photos) == 1


def test_kiosk_errors_are_french_and_write_nothing(tablet, consultation):
    response = kiosk_post(tablet, consultation, title="x", lon="", lat="")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"]["geometry"] == ["Touchez la carte pour placer votre idée."]
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0


def test_kiosk_rate_limit_is_per_device(app, tablet, facilitator, consultation, workshop, monkeypatch):
    monkeypatch.setitem(app.config, "KIOSK_RATE_LIMIT", "3 per hour")
    for _ in range(3):
        assert kiosk_post(tablet, consultation).status_code == 201
    limited = kiosk_post(tablet, consultation)
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    # another tablet (another device token) on the same address still has its budget
    other = app.test_client()
    open_on(other, facilitator, consultation, workshop)
    assert kiosk_post(other, consultation).status_code == 201


# --- idle reset: the server forgets the draft --------------------------------------------------------
def test_draft_is_kept_while_the_tablet_is_touched_and_forgotten_on_reset(tablet):
    headers = {"X-CSRFToken": csrf_token(tablet, "/borne")}
    saved = tablet.post(
        "/borne/brouillon",
        json={"step": "text", "theme": "sante", "title": "Un banc", "point": [2.8, 50.4]},
        headers=headers,
    )
    assert saved.status_code == 200 and saved.get_json()["expires_in"] == 60
    draft = tablet.get("/borne/brouillon").get_json()["draft"]
    assert (draft["step"], draft["title"], draft["point"]) == ("text", "Un banc", [2.8, 50.4])
    assert 0 < redis_connection().ttl(f"kiosk:draft:{the_kiosk().id}") <= 60
    assert "Un banc" in tablet.get("/borne").get_data(as_text=True)  # a reload resumes the draft
    assert tablet.post("/borne/reinitialiser", headers=headers).get_json() == {"reset": True}
    assert tablet.get("/borne/brouillon").get_json() == {"draft": None}


def test_server_forgets_a_draft_left_alone_longer_than_the_idle_delay(tablet):
    kiosk = the_kiosk()
    now = time.time()
    kiosk_services.save_draft(kiosk, {"step": "text", "title": "Un banc"}, now=now)
    assert kiosk_services.load_draft(kiosk, now=now + 59)["title"] == "Un banc"
    assert kiosk_services.load_draft(kiosk, now=now + 60) is None
    assert redis_connection().get(f"kiosk:draft:{kiosk.id}") is None  # deleted, not just hidden


def test_draft_fields_are_whitelisted(tablet):
    kiosk = the_kiosk()
    draft = kiosk_services.save_draft(kiosk, {"title": "t" * 500, "admin": True, "point": ["x", 1]})
    assert set(draft) == {"title", "touched_at"} and len(draft["title"]) == 140


def test_sending_forgets_the_draft(tablet, consultation):
    kiosk = the_kiosk()
    kiosk_services.save_draft(kiosk, {"step": "send", "title": "Un abri"})
    assert kiosk_post(tablet, consultation).status_code == 201
    assert kiosk_services.load_draft(kiosk) is None


# --- closing ----------------------------------------------------------------------------------------
def test_closing_needs_the_code(tablet, consultation):
    token = csrf_token(tablet, "/borne")
    wrong = tablet.post(
        "/borne/fermer", data={"csrf_token": token, "code": "0000"}, headers={"Accept": "application/json"}
    )
    assert wrong.status_code == 403 and wrong.get_json()["error"]["fields"]["code"] == ["Code incorrect."]
    assert the_kiosk().closed_at is None
    kiosk_services.save_draft(the_kiosk(), {"title": "Un banc"})
    right = tablet.post("/borne/fermer", data={"csrf_token": token, "code": CODE})
    assert right.status_code == 302 and right.headers["Location"].endswith("/borne/fermee")
    db.session.expire_all()
    kiosk = the_kiosk()
    assert kiosk.closed_at is not None and kiosk.device_token_hash is None
    assert tablet.get_cookie(COOKIE_NAME) is None
    assert redis_connection().get(f"kiosk:draft:{kiosk.id}") is None
    # the tablet is a normal browser again, and the old token no longer posts
    assert tablet.get("/").status_code == 200
    tablet.set_cookie(COOKIE_NAME, "ancien-jeton")
    assert kiosk_post(tablet, consultation).status_code == 403


def test_closing_attempts_are_rate_limited(tablet):
    token = csrf_token(tablet, "/borne")
    codes = [
        tablet.post("/borne/fermer", data={"csrf_token": token, "code": "0000"}).status_code for _ in range(6)
    ]
    assert codes == [403] * 5 + [429]


def test_facilitator_closes_a_lost_tablet_remotely(app, tablet, facilitator, workshop):
    laptop = app.test_client()
    login(laptop, facilitator)
    token = csrf_token(laptop, f"/ateliers/{workshop.id}")
    kiosk = the_kiosk()
    assert "Fermer à distance" in laptop.get(f"/ateliers/{workshop.id}").get_data(as_text=True)
    response = laptop.post(
        f"/ateliers/bornes/{kiosk.id}/fermer", data={"csrf_token": token, "next": "//evil.example"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/ateliers"
    db.session.expire_all()
    assert the_kiosk().closed_at is not None
    assert tablet.get("/borne").status_code == 404
