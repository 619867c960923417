"""/healthz: database, Redis, RQ workers (alive, oldest queued job) and the job outbox.

503 when PostgreSQL or Redis is unreachable, or when no worker has sent a heartbeat for
WORKER_ABSENT_AFTER seconds (0 turns the worker check off)."""

from flask import current_app, jsonify
from rq import Queue, Worker
from sqlalchemy import text

from app.consultations.models import utcnow
from app.extensions import db, redis_connection
from app.replica import replica_status


def check_health():
    """Return ({"database": ..., "redis": ...}, all_ok)."""
    status = {}
    try:
        db.session.execute(text("SELECT 1"))
        status["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
        db.session.rollback()
        status["database"] = f"erreur : {type(error).__name__}"
    try:
        redis_connection().ping()
        status["redis"] = "ok"
    except Exception as error:  # noqa: BLE001
        status["redis"] = f"erreur : {type(error).__name__}"
    return status, all(value == "ok" for value in status.values())


def worker_status(absent_after):
    """{"alive": n, "registered": n, "last_heartbeat_age_seconds": s, "absent_after": s}."""
    now = utcnow()
    ages = []
    workers = Worker.all(connection=redis_connection())
    for worker in workers:
        if worker.last_heartbeat is not None:
            beat = worker.last_heartbeat
            ages.append((now - (beat if beat.tzinfo else beat.replace(tzinfo=now.tzinfo))).total_seconds())
    alive = [age for age in ages if age <= absent_after] if absent_after else ages
    return {
        "alive": len(alive),
        "registered": len(workers),
        "last_heartbeat_age_seconds": round(min(ages), 1) if ages else None,
        "absent_after": absent_after,
    }


def queue_status(names):
    """{"queued": n, "oldest_queued_age_seconds": s or None} over the app's queues."""
    now, queued, oldest = utcnow(), 0, None
    for name in names:
        queue = Queue(name, connection=redis_connection())
        queued += queue.count
        job_id = queue.get_job_ids(0, 1)
        job = queue.fetch_job(job_id[0]) if job_id else None
        if job is not None and job.enqueued_at is not None:
            enqueued = (
                job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=now.tzinfo)
            )
            age = (now - enqueued).total_seconds()
            oldest = age if oldest is None else max(oldest, age)
    return {"queued": queued, "oldest_queued_age_seconds": round(oldest, 1) if oldest is not None else None}


def full_health():
    """(body, ok): database, Redis, workers, queues and outbox."""
    from app.outbox.relay import stats

    config = current_app.config
    status, ok = check_health()
    if status["database"] == "ok":
        status["outbox"] = stats()
    replica = replica_status(current_app)
    if replica is not None:
        status["replica"] = replica  # a lagging standby is not an outage: reads go to the primary
    if status["redis"] == "ok":
        absent_after = config.get("WORKER_ABSENT_AFTER", 60)
        status["workers"] = worker_status(absent_after)
        status["queues"] = queue_status(config["RQ_QUEUES"])
        if absent_after and status["workers"]["alive"] == 0:
            status["workers"]["error"] = f"aucun worker actif depuis {absent_after} s"
            ok = False
    return status, ok


def init_app(app):
    @app.get("/healthz")
    def healthz():
        status, ok = full_health()
        headers = {} if ok else {"Retry-After": str(app.config.get("OUTAGE_RETRY_AFTER", 10))}
        return jsonify(status), 200 if ok else 503, headers
