"""The resident form (map sheet) honours Idempotency-Key: a retried idea is stored once, with its photo."""

import io
import threading

import pytest
from sqlalchemy import func, select

from app.contributions.models import Photo
from app.extensions import db
from app.idempotency import IdempotencyKey
from tests.conftest import csrf_token, login
from tests.contributions.conftest import count_contributions, inside_lonlat, jpeg_bytes

JSON = {"Accept": "application/json"}
PHOTO = jpeg_bytes(size=(640, 480))


def _form(client, consultation, title="Un abri pour les vélos", token=None):
    lon, lat = inside_lonlat(consultation)
    return {
        "csrf_token": token or csrf_token(client),
        "lon": f"{lon:.6f}",
        "lat": f"{lat:.6f}",
        "theme": "mobilite-accessibilite",
        "title": title,
        "body": "Devant l'école, à l'abri de la pluie.",
        "photos": (io.BytesIO(PHOTO), "photo-1.jpg"),
    }


def _post(client, consultation, key, data):
    headers = {**JSON, "Idempotency-Key": key} if key else JSON
    return client.post(
        f"/consultations/{consultation.slug}/proposer",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


def _photos():
    return db.session.scalar(select(func.count()).select_from(Photo))


def test_the_same_key_sent_again_answers_the_first_idea_and_stores_one(client, consultation, resident):
    login(client, resident)
    first = _post(client, consultation, "idea-0b2f6c1e-retry", _form(client, consultation))
    assert first.status_code == 201, first.get_json()
    # After a reload the page renders a new CSRF token: the retry is still the same idea.
    again = _post(client, consultation, "idea-0b2f6c1e-retry", _form(client, consultation))
    assert again.status_code == 201, again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    db.session.expire_all()
    assert count_contributions() == 1 and _photos() == 1
    other = _post(client, consultation, "idea-0b2f6c1e-other", _form(client, consultation))
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]
    assert count_contributions() == 2


def test_a_key_reused_for_another_idea_is_refused_in_french(client, consultation, resident):
    login(client, resident)
    assert _post(client, consultation, "idea-reused-0001", _form(client, consultation)).status_code == 201
    response = _post(
        client, consultation, "idea-reused-0001", _form(client, consultation, title="Autre idée")
    )
    assert response.status_code == 422
    assert "déjà servi" in response.get_json()["error"]["message"]
    assert count_contributions() == 1


def test_a_refused_idea_keeps_no_key_and_the_corrected_retry_passes(client, consultation, resident):
    login(client, resident)
    refused = _post(client, consultation, "idea-fix-0001", _form(client, consultation, title=""))
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]["title"]
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    assert _post(client, consultation, "idea-fix-0001", _form(client, consultation)).status_code == 201
    assert count_contributions() == 1


def test_a_malformed_key_is_refused_in_french_and_nothing_is_written(client, consultation, resident):
    login(client, resident)
    response = _post(client, consultation, "<script>", _form(client, consultation))
    assert response.status_code == 422
    assert "Idempotency-Key invalide" in response.get_json()["error"]["message"]
    assert count_contributions() == 0


@pytest.mark.committed
def test_the_same_key_sent_concurrently_stores_one_idea(app, make_consultation, make_user):
    consultation = make_consultation(qpv_codes=["QP062024"])
    resident = make_user()
    db.session.commit()
    clients = []
    for _ in range(4):
        client = app.test_client()
        login(client, resident)
        clients.append((client, csrf_token(client, f"/consultations/{consultation.slug}/carte")))
    forms = [_form(client, consultation, token=token) for client, token in clients]
    barrier, answers = threading.Barrier(len(clients)), []

    def send(client, data):
        with app.app_context():
            barrier.wait()
            response = _post(client, consultation, "idea-race-7f3a9c", data)
            answers.append((response.status_code, (response.get_json() or {}).get("id")))

    threads = [threading.Thread(target=send, args=(c, f)) for (c, _), f in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.remove()
    assert count_contributions() == 1, answers
    assert _photos() == 1
    ids = {answer_id for status, answer_id in answers if status == 201}
    assert len(ids) == 1, answers
    assert all(status in (201, 409) for status, _ in answers), answers
