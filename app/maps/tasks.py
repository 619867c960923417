"""RQ jobs: rebuilding the pre-aggregated map grid, debounced per consultation."""

import time
from datetime import UTC

from flask import current_app
from rq import get_current_job

from app.extensions import db, redis_connection
from app.maps.grid import rebuild_all_grids, rebuild_grid

STARTED_KEY = "carte-commune:map-grid:started:{}"
CLOCK_MARGIN = 0.5  # seconds; web and worker clocks may differ slightly


def refresh_grid(consultation_id):
    """Rebuild one consultation's grid, at most once per MAP_GRID_MIN_INTERVAL seconds.

    A job queued before a rebuild started is skipped: that rebuild already saw its rows. A job
    arriving sooner than the interval after the last rebuild waits for the rest of it, so that a
    burst of contributions costs one rebuild (the jobs queued meanwhile are then skipped)."""
    redis = redis_connection()
    key = STARTED_KEY.format(consultation_id)
    last_started = redis.get(key)
    last_started = float(last_started) if last_started is not None else None
    if _already_covered(last_started):
        return {"consultation_id": consultation_id, "skipped": True}
    interval = current_app.config.get("MAP_GRID_MIN_INTERVAL", 0 if current_app.testing else 5)
    if last_started is not None and interval:
        _wait(max(0.0, min(interval, last_started + interval - time.time())))
    # Recorded before the rebuild reads anything: rows committed before this instant are included.
    redis.set(key, repr(time.time()), ex=7 * 24 * 3600)
    result = rebuild_grid(consultation_id)
    db.session.commit()
    return result


def _already_covered(last_started):
    job = get_current_job()
    if job is None or job.enqueued_at is None or last_started is None:
        return False
    enqueued = job.enqueued_at
    if enqueued.tzinfo is None:  # RQ stores UTC
        enqueued = enqueued.replace(tzinfo=UTC)
    return last_started > enqueued.timestamp() + CLOCK_MARGIN


def _wait(seconds):
    time.sleep(seconds)


def refresh_all_grids():
    """Rebuild every consultation's grid (nightly safety net, or after a bulk import)."""
    results = rebuild_all_grids()
    db.session.commit()
    return results
