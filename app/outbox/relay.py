"""Handing outbox rows to RQ: right after the commit (`hand_over`), and by the relay for what Redis missed.

Rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` (two relays never take the same row) and
enqueued with the row's job_id and RQ's `unique=True` (an atomic check in Redis): a row handed over
twice — Redis took it but PostgreSQL lost the `dispatched_at` — is only marked, never run twice."""

import logging
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app, has_app_context
from redis.exceptions import RedisError
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.consultations.models import utcnow
from app.extensions import db, redis_connection
from app.outbox.models import OutboxJob

log = logging.getLogger("carte_commune.outbox")
RESULT_TTL = 24 * 3600  # a finished job stays known to Redis for a day (dedupe by id)
ENDED = ("finished", "failed", "stopped", "canceled")


def dispatch(limit=500):
    """Hand the oldest `limit` undispatched rows to RQ; returns how many were handed.

    Commits its own transaction; an outage of Redis or PostgreSQL leaves the rows for later."""
    handed = 0
    try:
        query = (
            select(OutboxJob)
            .where(OutboxJob.dispatched_at.is_(None))
            .order_by(OutboxJob.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        for row in db.session.scalars(query).all():
            row.attempts += 1
            try:
                enqueue_row(row)
            except RedisError as error:
                row.last_error = f"{type(error).__name__}: {error}"[:500]
                log.warning("Redis indisponible, les jobs restent dans l'outbox : %s", error)
                break
            row.dispatched_at = utcnow()
            row.last_error = None
            handed += 1
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("Outbox : PostgreSQL indisponible, les jobs attendront (%s)", error)
        return 0
    return handed


def hand_over(jobs):
    """Hand the jobs of a transaction just committed (their rows already marked) to RQ; returns how
    many. When Redis refuses one, it and those after it are marked undispatched again, for the relay.

    Together first: one Redis call for all the request's jobs, a script that writes RQ's commands
    only if RQ knows none of their ids (atomic, as a script is). Should RQ know one (a row Redis took
    but PostgreSQL did not mark, or the relay re-handed it), they go one by one with `unique`."""
    if not jobs:
        return 0
    try:
        if _enqueue_together(jobs):
            return len(jobs)
    except RedisError as error:
        log.warning("Redis indisponible, les jobs restent dans l'outbox : %s", error)
        _unmark([job.job_id for job in jobs], f"{type(error).__name__}: {error}"[:500])
        return 0
    for handed, job in enumerate(jobs):
        try:
            enqueue_row(job)
        except RedisError as error:
            log.warning("Redis indisponible, les jobs restent dans l'outbox : %s", error)
            _unmark([later.job_id for later in jobs[handed:]], f"{type(error).__name__}: {error}"[:500])
            return handed
    return len(jobs)


# RQ's commands for the jobs (ARGV: each command's length, then its words), run only if none of the
# job keys (KEYS) exists: the check and the writes in one round trip, atomic.
ENQUEUE_UNLESS_KNOWN = """
if redis.call('EXISTS', unpack(KEYS)) > 0 then return 0 end
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return 1
"""


def _enqueue_together(jobs):
    """All the jobs in one script call when RQ knows none of their ids (False when it knows one).

    RQ writes its commands into a pipeline that is never executed as such: they are handed to
    ENQUEUE_UNLESS_KNOWN (WATCH, EXISTS and MULTI/EXEC were three round trips)."""
    connection = redis_connection()
    by_queue = {}
    for job in jobs:
        data = Queue.prepare_data(
            job.func, args=list(job.args or []), kwargs=dict(job.kwargs or {}), **_options(job)
        )
        by_queue.setdefault(job.queue, []).append(data)
    with connection.pipeline(transaction=False) as pipe:
        for name, datas in by_queue.items():
            Queue(name, connection=connection).enqueue_many(datas, pipeline=pipe)
        words = []
        for command, _options_of_command in pipe.command_stack:
            words.append(len(command))
            words.extend(command)
    keys = [Job.key_for(job.job_id) for job in jobs]
    # Run by its SHA (redis-py loads it on a NOSCRIPT); not cached per connection, which it would keep
    # alive: hashing the script costs a few microseconds.
    return bool(connection.register_script(ENQUEUE_UNLESS_KNOWN)(keys=keys, args=words))


def _unmark(job_ids, error):
    """Rows Redis did not take: undispatched again, the error on the first (the others waited)."""
    try:
        db.session.execute(
            update(OutboxJob)
            .where(OutboxJob.job_id.in_(job_ids))
            .values(
                dispatched_at=None,
                last_error=case((OutboxJob.job_id == job_ids[0], error), else_=OutboxJob.last_error),
            )
        )
        db.session.commit()
    except SQLAlchemyError as failure:  # they stay marked: handed over again once RQ is seen not to have them
        db.session.rollback()
        log.warning("Outbox : PostgreSQL indisponible, les jobs seront repris plus tard (%s)", failure)


def _options(row):
    """RQ's options of an outbox row's job: its own id, retries and timeout, the completion callback."""
    options = {
        "job_id": row.job_id,
        "result_ttl": RESULT_TTL,
        "on_success": Callback("app.outbox.relay.job_completed"),
    }
    if row.retry_max:
        options["retry"] = Retry(max=row.retry_max, interval=row.retry_intervals or 0)
    if row.timeout:
        options["timeout"] = row.timeout
    return options


def enqueue_row(row):
    """Enqueue one outbox row on RQ under its own job id; False when RQ already had it."""
    queue = Queue(row.queue, connection=redis_connection())
    try:
        queue.enqueue_call(
            row.func, args=list(row.args or []), kwargs=dict(row.kwargs or {}), unique=True, **_options(row)
        )
    except DuplicateJobError:
        return False
    return True


def relay(limit=500):
    """Hand every undispatched row to RQ, batch after batch; returns how many (the worker runs it)."""
    total = 0
    while True:
        handed = dispatch(limit=limit)
        total += handed
        if handed < limit:
            return total


def redispatch_lost(limit=200):
    """Rows handed to RQ that Redis forgot (restarted without its data) before they ended: again."""
    handed = 0
    lost_after = timedelta(seconds=current_app.config.get("OUTBOX_LOST_AFTER", 30))
    try:
        rows = db.session.scalars(
            select(OutboxJob)
            .where(
                OutboxJob.dispatched_at.is_not(None),
                OutboxJob.completed_at.is_(None),
                OutboxJob.dispatched_at < utcnow() - lost_after,
            )
            .order_by(OutboxJob.dispatched_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            status = _rq_status(row.job_id)
            if status in ENDED:
                row.completed_at = utcnow()
            elif status is None:
                log.warning("Job %s perdu par Redis : remis en file", row.job_id)
                row.attempts += 1
                enqueue_row(row)
                row.dispatched_at = utcnow()
                handed += 1
        db.session.commit()
    except (RedisError, SQLAlchemyError) as error:
        db.session.rollback()
        log.warning("Outbox : reprise des jobs perdus remise à plus tard (%s)", error)
    return handed


def _rq_status(job_id):
    try:
        return Job.fetch(job_id, connection=redis_connection()).get_status()
    except NoSuchJobError:
        return None


@contextmanager
def _app_context():
    # Callbacks run inside worker.py's app context; a bare `rq worker` has none.
    if has_app_context():
        yield
        return
    from app import create_app

    with create_app().app_context():
        yield


def job_completed(job, connection, result, *args, **kwargs):
    """RQ success callback of outbox jobs: the row's job has ended (never fails the job)."""
    try:
        with _app_context():
            db.session.execute(
                update(OutboxJob)
                .where(OutboxJob.job_id == job.id, OutboxJob.completed_at.is_(None))
                .values(completed_at=utcnow())
            )
            db.session.commit()
    except SQLAlchemyError as error:  # the relay will see the job finished in Redis
        log.warning("Outbox : fin du job %s non enregistrée (%s)", job.id, error)


def purge_completed(older_than=timedelta(days=7)):
    """Delete rows whose job ended long ago; returns how many."""
    deleted = db.session.execute(
        delete(OutboxJob).where(OutboxJob.completed_at < utcnow() - older_than)
    ).rowcount
    db.session.commit()
    return deleted


def stats():
    """{"undispatched": n, "oldest_age_seconds": s or None} of the outbox."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(OutboxJob.created_at)).where(OutboxJob.dispatched_at.is_(None))
    ).one()
    age = (utcnow() - oldest).total_seconds() if oldest is not None else None
    return {"undispatched": count, "oldest_age_seconds": round(age, 1) if age is not None else None}
