"""Idempotency-Key on the workshop entry: a retried entry is stored once, even when retries race."""

import threading

import pytest
from sqlalchemy import func, select

from app.contributions.models import Contribution
from app.extensions import db
from app.idempotency import IdempotencyKey
from tests.conftest import bearer
from tests.workshops.conftest import entry_body


def _post(client, workshop, headers, body):
    return client.post(f"/api/workshops/{workshop.id}/contributions", json=body, headers=headers)


def _count(workshop):
    return db.session.scalar(select(func.count()).where(Contribution.workshop_id == workshop.id))


def test_a_retried_entry_answers_the_first_result_and_is_stored_once(client, workshop, facilitator):
    headers = {**bearer(facilitator), "Idempotency-Key": "device-1:entry-0001"}
    body = entry_body(
        workshop.consultation,
        participant={"first_name": "Nora", "contact": "06 12 34 56 78", "consent": True},
    )
    first = _post(client, workshop, headers, body)
    assert first.status_code == 201, first.get_json()
    again = _post(client, workshop, headers, body)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _count(workshop) == 1
    other = _post(client, workshop, {**headers, "Idempotency-Key": "device-1:entry-0002"}, body)
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]
    assert _count(workshop) == 2


def test_without_a_key_every_post_is_a_new_entry(client, workshop, facilitator):
    headers = bearer(facilitator)
    for _ in range(2):
        assert _post(client, workshop, headers, entry_body(workshop.consultation)).status_code == 201
    assert _count(workshop) == 2
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_a_key_reused_for_another_entry_is_refused(client, workshop, facilitator):
    headers = {**bearer(facilitator), "Idempotency-Key": "device-1:entry-0003"}
    assert _post(client, workshop, headers, entry_body(workshop.consultation)).status_code == 201
    response = _post(client, workshop, headers, entry_body(workshop.consultation, title="Autre chose"))
    assert response.status_code == 422
    assert "déjà servi" in response.get_json()["error"]["message"]
    assert _count(workshop) == 1


def test_a_malformed_key_is_refused_in_french(client, workshop, facilitator):
    headers = {**bearer(facilitator), "Idempotency-Key": "<script>"}
    response = _post(client, workshop, headers, entry_body(workshop.consultation))
    assert response.status_code == 422
    assert "Idempotency-Key invalide" in response.get_json()["error"]["message"]
    assert _count(workshop) == 0


def test_a_refused_entry_keeps_no_key_so_the_retry_is_judged_again(client, workshop, facilitator):
    headers = {**bearer(facilitator), "Idempotency-Key": "device-1:entry-0004"}
    body = entry_body(workshop.consultation, title="")
    assert _post(client, workshop, headers, body).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


@pytest.mark.committed
def test_racing_retries_with_the_same_key_store_one_contribution(app, make_user, make_consultation, assign):

    from app.consultations.models import utcnow
    from app.workshops.services import create_workshop

    consultation = make_consultation(qpv_codes=["QP062024"])
    facilitator = make_user(role="facilitator")
    assign(consultation, facilitator)  # only assigned facilitators open workshops
    workshop = create_workshop(facilitator, consultation, utcnow(), "Maison du projet")
    db.session.commit()
    headers = {**bearer(facilitator), "Idempotency-Key": "device-2:entry-race"}
    body = entry_body(consultation)
    barrier, answers, url = threading.Barrier(6), [], f"/api/workshops/{workshop.id}/contributions"

    def send():
        with app.test_client() as client:
            barrier.wait()
            response = client.post(url, json=body, headers=headers)
            answers.append((response.status_code, (response.get_json() or {}).get("id")))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.remove()
    assert _count(workshop) == 1
    ids = {answer_id for status, answer_id in answers if status == 201}
    assert len(ids) == 1, answers
    assert all(status in (201, 409) for status, _ in answers), answers


def test_old_keys_are_purged(client, workshop, facilitator):
    from sqlalchemy import text

    from app.idempotency import purge_old_keys

    headers = {**bearer(facilitator), "Idempotency-Key": "device-1:entry-old"}
    assert _post(client, workshop, headers, entry_body(workshop.consultation)).status_code == 201
    db.session.execute(text("UPDATE idempotency_keys SET created_at = now() - interval '31 days'"))
    assert purge_old_keys() == 1
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
