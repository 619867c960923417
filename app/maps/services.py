"""Writes around the map: keeping the pre-aggregated grid fresh."""

from flask import has_request_context, request

from app.jobs import enqueue_after_commit

REFRESH_JOB = "app.maps.tasks.refresh_grid"


def schedule_grid_refresh(consultation_id):
    """Queue a grid rebuild of this consultation after the commit (once per request).

    Call it after a contribution of the consultation is created, published, hidden, rejected, moved,
    re-themed, merged, deleted or given an outcome. Jobs queued before a rebuild started are
    skipped by the job itself (it already saw their rows), so bursts coalesce."""
    if has_request_context():
        # Per request (not `g`: an app context may outlive several requests, as in tests).
        scheduled = request.environ.setdefault("carte_commune.map_grid_scheduled", set())
        if consultation_id in scheduled:
            return None
        scheduled.add(consultation_id)
    return enqueue_after_commit("default", REFRESH_JOB, consultation_id, job_timeout=900)
