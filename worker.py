"""RQ worker: creates the app once, then runs jobs from the app's queues.

python worker.py            # long-running worker with the RQ scheduler (retries with intervals)
python worker.py --burst    # run what is queued, then exit (tests, checks)
python worker.py --cron     # the cron scheduler: enqueues the periodic jobs below
"""

import argparse
import importlib

from rq import Worker
from rq.cron import CronScheduler

from app import create_app
from app.extensions import db, get_queue, redis_connection

# (dotted function, queue, cron expression in UTC) — enqueued by `worker.py --cron`.
PERIODIC_JOBS = (
    # Nightly « bilan » refresh of every open consultation (01:00 UTC, 02:00/03:00 in Paris).
    ("app.reports.tasks.refresh_open_consultations", "reports", "0 1 * * *"),
    # Exports past EXPORT_RETENTION_DAYS are deleted with their files.
    ("app.exports.tasks.purge_expired_exports", "exports", "30 3 * * *"),
    # Safety net behind the debounced per-consultation refresh of the map grid.
    ("app.maps.tasks.refresh_all_grids", "default", "17 * * * *"),
    # Weekly digest of notifications (Monday 07:00 UTC, 08:00/09:00 in Paris).
    ("app.notifications.tasks.send_weekly_digest", "mail", "0 7 * * 1"),
)


class AppWorker(Worker):
    """A forking worker whose work horse opens its own database connections."""

    def perform_job(self, *args, **kwargs):
        # In the forked horse, never reuse a connection inherited from the parent process.
        db.engine.dispose(close=False)
        return super().perform_job(*args, **kwargs)


def _resolve(dotted):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def build_cron_scheduler():
    """The RQ cron scheduler with every periodic job registered."""
    scheduler = CronScheduler(connection=redis_connection())
    for dotted, queue, cron in PERIODIC_JOBS:
        scheduler.register(_resolve(dotted), queue, cron=cron)
    return scheduler


def run_cron():
    """Run the RQ cron scheduler (blocks)."""
    build_cron_scheduler().start()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Carte Commune background worker")
    parser.add_argument("--burst", action="store_true", help="run queued jobs then exit")
    parser.add_argument("--cron", action="store_true", help="run the periodic-job scheduler")
    parser.add_argument("--queues", nargs="*", help="queues to listen on (default: all)")
    parser.add_argument("--no-scheduler", action="store_true")
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        if args.cron:
            return run_cron()
        names = args.queues or app.config["RQ_QUEUES"]
        worker = AppWorker([get_queue(name) for name in names], connection=redis_connection())
        worker.work(burst=args.burst, with_scheduler=not args.no_scheduler)
    return None


if __name__ == "__main__":
    main()
