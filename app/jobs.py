"""Enqueueing RQ jobs through a transactional outbox.

`enqueue_after_commit` records the job in PostgreSQL (table job_outbox) in the caller's
transaction: the job exists exactly when the write that asked for it was committed. The row is
written already marked as handed over (dispatched_at), so that handing it to RQ right after the
commit (`dispatch_pending`; the request boundary does it, CLI commands and jobs call
`commit_and_dispatch`) needs no second transaction. When Redis refuses it, the rows are marked
undispatched again and the relay (app.outbox.relay, run by the worker) hands them over when Redis
answers; a process that died between its commit and RQ leaves rows RQ does not know, handed over
again by the relay after OUTBOX_LOST_AFTER seconds. The row's job_id is the RQ job id, so a row
handed over twice never runs twice."""

import uuid
from types import SimpleNamespace

from sqlalchemy import inspect

from app.consultations.models import utcnow
from app.extensions import db
from app.outbox.models import OutboxJob

PENDING_KEY = "carte_commune.outbox_pending"


def enqueue_after_commit(queue_name, func, *args, job_id=None, retry=None, job_timeout=None, **kwargs):
    """Queue `func(*args, **kwargs)` on `queue_name` once the transaction commits; returns the job id."""
    job = SimpleNamespace(
        job_id=job_id or uuid.uuid4().hex,
        queue=queue_name,
        func=_dotted(func),
        args=list(args),
        kwargs=kwargs,
        retry_max=retry.max if retry is not None else None,
        retry_intervals=list(retry.intervals) if retry is not None else None,
        timeout=_seconds(job_timeout),
    )
    now = utcnow()
    row = OutboxJob(**vars(job), created_at=now, dispatched_at=now, attempts=1)
    db.session.add(row)  # inserted with the transaction's next flush (one INSERT for a request's jobs)
    db.session.info.setdefault(PENDING_KEY, []).append((row, job))
    return job.job_id


def dispatch_pending():
    """Hand the rows recorded by this session to RQ (call right after the commit); returns how many.

    Never raises for an outage: rows Redis (or PostgreSQL) could not take stay for the relay."""
    pending = db.session.info.pop(PENDING_KEY, None)
    # Rows of a rolled-back transaction or savepoint are transient again: no job for them.
    jobs = [job for row, job in pending or () if inspect(row).persistent]
    if not jobs:
        return 0
    from app.outbox.relay import hand_over

    return hand_over(jobs)


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
