"""Enqueueing RQ jobs through a transactional outbox.

`enqueue_after_commit` records the job in PostgreSQL (table job_outbox) in the caller's
transaction: the job exists exactly when the write that asked for it was committed. After the
commit the rows are handed to RQ at once (`dispatch_pending`; the request boundary does it, CLI
commands and jobs call `commit_and_dispatch`); when Redis is away they stay in the table and the
relay (app.outbox.relay, run by the worker) hands them over when Redis answers again. The row's
job_id is the RQ job id, so a row handed over twice never runs twice."""

import uuid

from app.consultations.models import utcnow
from app.extensions import db
from app.outbox.models import OutboxJob

PENDING_KEY = "carte_commune.outbox_pending"


def enqueue_after_commit(queue_name, func, *args, job_id=None, retry=None, job_timeout=None, **kwargs):
    """Queue `func(*args, **kwargs)` on `queue_name` once the transaction commits; returns the job id."""
    job_id = job_id or uuid.uuid4().hex
    row = OutboxJob(
        job_id=job_id,
        queue=queue_name,
        func=_dotted(func),
        args=list(args),
        kwargs=kwargs,
        retry_max=retry.max if retry is not None else None,
        retry_intervals=list(retry.intervals) if retry is not None else None,
        timeout=_seconds(job_timeout),
        created_at=utcnow(),
        attempts=0,
    )
    db.session.add(row)
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append(row.id)
    return job_id


def dispatch_pending():
    """Hand the rows recorded by this session to RQ (call right after the commit); returns how many.

    Never raises for an outage: rows Redis (or PostgreSQL) could not take stay for the relay."""
    ids = db.session.info.pop(PENDING_KEY, None)
    if not ids:
        return 0
    from app.outbox.relay import dispatch

    return dispatch(ids)


def discard_pending_jobs():
    """Forget the rows of a rolled-back transaction (they no longer exist)."""
    db.session.info.pop(PENDING_KEY, None)


def commit_and_dispatch():
    """Commit the caller's transaction, then hand its jobs to RQ (CLI commands, jobs)."""
    db.session.commit()
    return dispatch_pending()


def _dotted(func):
    if isinstance(func, str):
        return func
    return f"{func.__module__}.{func.__qualname__}"


def _seconds(timeout):
    if timeout is None:
        return None
    if hasattr(timeout, "total_seconds"):
        return int(timeout.total_seconds())
    return int(timeout)
