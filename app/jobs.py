"""Enqueueing RQ jobs only once the request's transaction has committed.

A job enqueued before the commit could run before its rows exist; so inside a request the job is
kept in `g` and enqueued by the request-boundary commit (see create_app). Outside a request (CLI,
jobs enqueuing jobs) it is enqueued at once."""

import uuid

from flask import g, has_request_context

from app.extensions import get_queue


def enqueue_after_commit(queue_name, func, *args, job_id=None, retry=None, job_timeout=None, **kwargs):
    """Queue `func(*args, **kwargs)` on `queue_name` after the commit; returns the job id."""
    job_id = job_id or uuid.uuid4().hex
    call = (queue_name, func, args, kwargs, job_id, retry, job_timeout)
    if has_request_context():
        g.setdefault("pending_jobs", []).append(call)
    else:
        _enqueue(call)
    return job_id


def flush_pending_jobs():
    """Enqueue the jobs kept during this request (called right after the commit)."""
    for call in g.pop("pending_jobs", []):
        _enqueue(call)


def discard_pending_jobs():
    g.pop("pending_jobs", None)


def _enqueue(call):
    queue_name, func, args, kwargs, job_id, retry, job_timeout = call
    options = {"job_id": job_id, "retry": retry}
    if job_timeout:
        options["job_timeout"] = job_timeout
    return get_queue(queue_name).enqueue(func, *args, **kwargs, **options)
