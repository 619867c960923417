"""Enqueueing RQ jobs through a transactional outbox.

`enqueue_after_commit` records the job in PostgreSQL (table job_outbox) in the caller's
transaction: the job exists exactly when the write that asked for it was committed. The row is
written already marked as handed over (dispatched_at), so that handing it to RQ right after the
commit (`dispatch_pending`; the request boundary does it, CLI commands and jobs call
`commit_and_dispatch`) needs no second transaction. When Redis refuses it, the rows are marked
undispatched again and the relay (app.outbox.relay, run by the worker) hands them over when Redis
answers; a process that died between its commit and RQ leaves rows RQ does not know, handed over
again by the relay after OUTBOX_LOST_AFTER seconds. The row's job_id is the RQ job id, so a row
handed over twice never runs twice.

The rows of a transaction are written together, by one INSERT just before it commits (not one ORM
object each through the unit of work: two thirds of a millisecond for three jobs). A hot write may
instead write its job's row in its own statement (`outbox_insert`, a CTE; a new idea's follow-up job)
and record it with `written_by_statement`: handed over after the commit the same way.
A job recorded in a savepoint that is rolled back, or in a transaction rolled back, is forgotten
with it."""

import json
import uuid
from types import SimpleNamespace

from sqlalchemy import Integer, String, bindparam, event, func, insert, literal, literal_column, select, text
from sqlalchemy.orm import Session

from app.dbpool import RawStatement
from app.extensions import db
from app.outbox.models import OutboxJob

PENDING_KEY = "carte_commune.outbox_pending"
OUTBOX_INSERT = RawStatement(
    text(
        "INSERT INTO job_outbox (job_id, queue, func, args, kwargs, retry_max, retry_intervals, timeout,"
        " created_at, dispatched_at, attempts)"
        " SELECT j.job_id, j.queue, j.func, j.args, j.kwargs, j.retry_max, j.retry_intervals, j.timeout,"
        " now(), now(), 1 FROM unnest(CAST(:job_ids AS text[]), CAST(:queues AS text[]),"
        " CAST(:funcs AS text[]), CAST(:args AS jsonb[]), CAST(:kwargs AS jsonb[]),"
        " CAST(:retry_maxes AS integer[]), CAST(:retry_intervals AS jsonb[]), CAST(:timeouts AS integer[]))"
        " AS j(job_id, queue, func, args, kwargs, retry_max, retry_intervals, timeout)"
    )
)


def enqueue_after_commit(queue_name, func, *args, job_id=None, retry=None, job_timeout=None, **kwargs):
    """Queue `func(*args, **kwargs)` on `queue_name` once the transaction commits; returns the job id."""
    # Written just before the commit (_write_rows), with the transaction (or savepoint) it belongs to.
    return _record(_job(queue_name, func, args, kwargs, job_id, retry, job_timeout), written=False)


def outbox_insert(rows, args):
    """The INSERT (a CTE) of a job's outbox row for each row of `rows`, in the caller's own statement
    (no statement of its own before the commit): `args`, the job's arguments as a SQL JSON array built
    from the row; bound: `job_id`, `job_queue`, `job_func`, `job_timeout`. The row is written as
    `_write_rows` would (already marked as handed over); record the job with `written_by_statement`."""
    row = select(
        bindparam("job_id", type_=String),
        bindparam("job_queue", type_=String),
        bindparam("job_func", type_=String),
        args,
        literal_column("'{}'::jsonb"),
        bindparam("job_timeout", type_=Integer),
        func.now(),
        func.now(),
        literal(1),
    ).select_from(rows)
    columns = [
        "job_id",
        "queue",
        "func",
        "args",
        "kwargs",
        "timeout",
        "created_at",
        "dispatched_at",
        "attempts",
    ]
    return insert(OutboxJob.__table__).from_select(columns, row).cte("outbox_row")


def outbox_params(queue_name, func, job_timeout=None):
    """The bound values of `outbox_insert` for a new job (its id: `params["job_id"]`)."""
    return {
        "job_id": uuid.uuid4().hex,
        "job_queue": queue_name,
        "job_func": _dotted(func),
        "job_timeout": _seconds(job_timeout),
    }


def written_by_statement(params, *args):
    """Record the job whose outbox row the caller's statement wrote (`outbox_insert` with `params`) with
    its arguments, for the hand-over to RQ after the commit; returns its id."""
    job = _job(
        params["job_queue"], params["job_func"], args, {}, params["job_id"], None, params["job_timeout"]
    )
    return _record(job, written=True)


def _job(queue_name, func, args, kwargs, job_id, retry, job_timeout):
    return SimpleNamespace(
        job_id=job_id or uuid.uuid4().hex,
        queue=queue_name,
        func=_dotted(func),
        args=list(args),
        kwargs=kwargs,
        retry_max=retry.max if retry is not None else None,
        retry_intervals=list(retry.intervals) if retry is not None else None,
        timeout=_seconds(job_timeout),
    )


def _record(job, written):
    """The job among the session's pending ones, with the transaction (or savepoint) it belongs to and,
    when its row is already written, the root transaction that wrote it (gone if that rolls back)."""
    session = db.session()
    pending = session.info.setdefault(PENDING_KEY, [])
    transaction = session.get_nested_transaction() or session.get_transaction()
    written_in = session.get_transaction() if written else None
    pending.append(SimpleNamespace(job=job, transaction=transaction, written_in=written_in))
    return job.job_id


@event.listens_for(Session, "before_commit")
def _write_rows(session):
    """The transaction's outbox rows, in one INSERT, already marked as handed over; at the root's
    commit only (a released savepoint may still go with an enclosing one)."""
    if session.get_nested_transaction() is not None:
        return
    rows = [entry for entry in session.info.get(PENDING_KEY, ()) if entry.written_in is None]
    if not rows:
        return
    jobs = [entry.job for entry in rows]
    OUTBOX_INSERT.run(
        session,
        {
            "job_ids": [job.job_id for job in jobs],
            "queues": [job.queue for job in jobs],
            "funcs": [job.func for job in jobs],
            "args": [json.dumps(job.args) for job in jobs],
            "kwargs": [json.dumps(job.kwargs) for job in jobs],
            "retry_maxes": [job.retry_max for job in jobs],
            "retry_intervals": [_json_or_none(job.retry_intervals) for job in jobs],
            "timeouts": [job.timeout for job in jobs],
        },
    )
    for entry in rows:
        entry.written_in = session.get_transaction()  # the root transaction: gone if it rolls back


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction):
    """Jobs recorded in a savepoint just rolled back (or in one inside it) are gone; so are those of a
    root transaction rolled back (recorded in it, or written by it), not those an earlier one committed."""
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    if previous_transaction.parent is None:
        kept = [entry for entry in pending if entry.written_in not in (None, previous_transaction)]
    else:
        kept = [entry for entry in pending if not _inside(entry.transaction, previous_transaction)]
    if kept:
        session.info[PENDING_KEY] = kept
    else:
        session.info.pop(PENDING_KEY, None)


def _inside(transaction, rolled_back):
    while transaction is not None:
        if transaction is rolled_back:
            return True
        transaction = transaction.parent
    return False


def _json_or_none(value):
    return None if value is None else json.dumps(value)


def dispatch_pending():
    """Hand the rows recorded by this session to RQ (call right after the commit); returns how many.

    Never raises for an outage: rows Redis (or PostgreSQL) could not take stay for the relay."""
    pending = db.session.info.pop(PENDING_KEY, None)
    # Jobs of a rolled-back transaction or savepoint were forgotten with it (_forget_rolled_back).
    jobs = [entry.job for entry in pending or () if entry.written_in is not None]
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
