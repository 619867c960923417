"""Outages answer 503 with Retry-After (never 500); /healthz reports workers, queues and the outbox;
the supervisor restarts a worker that exits."""

import sys
from datetime import timedelta

import pytest
from redis import Redis
from rq import Worker
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

import worker as worker_module
from app import create_app
from app.config import TestConfig
from app.consultations.models import utcnow
from app.extensions import db, get_queue, redis_connection
from app.jobs import enqueue_after_commit


@pytest.fixture(scope="module")
def outage_app():
    """An app of its own with views that meet a real Redis / PostgreSQL outage."""
    app = create_app({k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()})

    @app.get("/api/essai/redis")
    @app.get("/essai/redis")
    def redis_view():
        Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1).ping()

    @app.get("/api/essai/postgresql")
    def postgresql_view():
        with create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none").connect():
            pass

    @app.get("/api/essai/coupure")
    def dropped_view():
        raise DBAPIError(
            "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
        )

    return app


@pytest.mark.parametrize("path", ["/api/essai/redis", "/api/essai/postgresql", "/api/essai/coupure"])
def test_an_outage_answers_503_with_retry_after_and_a_french_json_envelope(outage_app, path):
    response = outage_app.test_client().get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(outage_app.config["OUTAGE_RETRY_AFTER"])
    error = response.get_json()["error"]
    assert error["code"] == "unavailable" and "momentanément indisponible" in error["message"]


def test_an_outage_on_a_page_answers_a_503_html_page(outage_app):
    response = outage_app.test_client().get("/essai/redis", headers={"Accept": "text/html"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.mimetype == "text/html"
    assert "Service momentanément indisponible" in response.get_data(as_text=True)


@pytest.fixture
def worker_check(app):
    app.config["WORKER_ABSENT_AFTER"] = 30
    yield
    app.config["WORKER_ABSENT_AFTER"] = 0


def test_healthz_is_503_until_a_worker_beats_and_reports_queues_and_outbox(app, client, worker_check):
    job_id = enqueue_after_commit("default", "app.health.check_health")
    db.session.commit()  # the row is written with the commit
    # Redis refused it after the commit: the row waits for the relay (app.outbox.relay.hand_over)
    db.session.execute(
        text("UPDATE job_outbox SET dispatched_at = NULL WHERE job_id = :job_id"), {"job_id": job_id}
    )
    get_queue("mail").enqueue("app.health.check_health")
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert body["workers"]["alive"] == 0 and "aucun worker" in body["workers"]["error"]
    assert body["outbox"]["undispatched"] == 1 and body["outbox"]["oldest_age_seconds"] >= 0
    assert body["queues"]["queued"] == 1 and body["queues"]["oldest_queued_age_seconds"] >= 0

    beating = Worker([get_queue("default")], connection=redis_connection())
    beating.register_birth()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["workers"]["alive"] == 1

    old = (utcnow() - timedelta(seconds=45)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    redis_connection().hset(beating.key, "last_heartbeat", old)  # silent for longer than 30 s
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["workers"]["last_heartbeat_age_seconds"] >= 45
    db.session.execute(text("SELECT 1"))


def test_the_supervisor_restarts_a_worker_that_exits_with_back_off():
    slept = []
    restarts = worker_module.supervise(
        ["--burst"], sleep=slept.append, max_restarts=2, command=[sys.executable, "-c", "raise SystemExit(3)"]
    )
    assert restarts == 3
    assert slept == [1.0, 2.0, 4.0]
