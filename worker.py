"""RQ worker: creates the app once, then runs jobs from the app's queues.

python worker.py              # long-running worker with the RQ scheduler; survives Redis outages
python worker.py --supervise  # the same in a child process, restarted with back-off if it exits
python worker.py --burst      # run what is queued (outbox included), then exit (tests, checks)
python worker.py --cron       # the cron scheduler: enqueues the periodic jobs below

Every WORKER_RELAY_INTERVAL seconds the worker hands undispatched outbox rows to RQ (app.jobs)
and fails the exports whose job died; when Redis goes away it waits (exponential back-off) and
starts again instead of exiting.
"""

import argparse
import importlib
import logging
import os
import signal
import subprocess
import sys
import time

from redis.exceptions import RedisError
from rq import Worker
from rq.cron import CronScheduler
from rq.exceptions import StopRequested
from sqlalchemy.exc import SQLAlchemyError

from app import create_app
from app.extensions import db, get_queue, redis_connection

log = logging.getLogger("carte_commune.worker")

# (dotted function, queue, cron expression in UTC) — enqueued by `worker.py --cron`.
PERIODIC_JOBS = (
    # Nightly « bilan » refresh of every open consultation (01:00 UTC, 02:00/03:00 in Paris).
    ("app.reports.tasks.refresh_open_consultations", "reports", "0 1 * * *"),
    # Exports past EXPORT_RETENTION_DAYS are deleted with their files.
    ("app.exports.tasks.purge_expired_exports", "exports", "30 3 * * *"),
    # Safety net behind the debounced per-consultation refresh of the map grid.
    ("app.maps.tasks.refresh_all_grids", "default", "17 * * * *"),
    # Idempotency keys of writes older than 30 days (a device retries within hours).
    ("app.idempotency.purge_old_keys", "default", "45 3 * * *"),
    # Sign-in links (hashed, 15 minutes) expired for a day: nothing left to check them against.
    ("app.accounts.tasks.purge_signin_links", "default", "50 3 * * *"),
    # Weekly digest of notifications (Monday 07:00 UTC, 08:00/09:00 in Paris).
    ("app.notifications.tasks.send_weekly_digest", "mail", "0 7 * * 1"),
)
# A job whose work horse was killed (SIGKILL, out of memory): what cleans up after it, by job function.
KILLED_HANDLERS = {"app.exports.tasks.run_export": "app.exports.tasks.fail_dead_export"}
BACKOFF_START, BACKOFF_MAX = 1.0, 30.0


def relay_and_reap():
    """Hand undispatched outbox rows to RQ, re-hand lost ones, fail exports whose job died."""
    from app.exports.tasks import reap_dead_exports
    from app.outbox.relay import redispatch_lost, relay

    try:
        relay()
        redispatch_lost()
        reap_dead_exports()
    except (RedisError, SQLAlchemyError) as error:
        db.session.rollback()
        log.warning("Relais de l'outbox remis à plus tard : %s", error)
    finally:
        db.session.remove()  # no connection kept across the fork of the next work horse


def purge_outbox():
    """Delete outbox rows whose job ended more than a week ago (with RQ's own maintenance)."""
    from app.outbox.relay import purge_completed

    try:
        purge_completed()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("Purge de l'outbox remise à plus tard : %s", error)
    finally:
        db.session.remove()


class AppWorker(Worker):
    """A forking worker whose work horse opens its own database connections."""

    @property
    def dequeue_timeout(self):
        # Wake up regularly (even with empty queues) to relay the outbox and reap dead jobs.
        return max(1, int(self.relay_interval))

    relay_interval = 5
    _last_relay = 0.0
    max_connection_wait_time = BACKOFF_MAX  # RQ's own back-off while dequeueing

    @property
    def should_run_maintenance_tasks(self):
        return (
            super().should_run_maintenance_tasks or time.monotonic() - self._last_relay >= self.relay_interval
        )

    def run_maintenance_tasks(self):
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()
            purge_outbox()
        self._last_relay = time.monotonic()
        self.ensure_registered()
        relay_and_reap()

    def ensure_registered(self):
        """Register again after Redis restarted without its data (else nothing sees this worker)."""
        from rq import worker_registration

        if self.connection.sismember(self.redis_workers_keys, self.key):
            return
        log.warning("Worker %s absent de Redis (redémarré ?) : nouvel enregistrement", self.name)
        with self.connection.pipeline() as pipeline:
            pipeline.hset(self.key, mapping=self.serialize())
            worker_registration.register(self, pipeline)
            pipeline.expire(self.key, self.worker_ttl + 60)
            pipeline.execute()

    stop_signalled = False

    def request_stop(self, signum, frame):
        # Remembered: RQ stops an idle worker by an exception, and Redis may be away to ask.
        self.stop_signalled = True
        try:
            super().request_stop(signum, frame)
        except RedisError as error:
            raise StopRequested() from error

    def perform_job(self, *args, **kwargs):
        from app.jobs import commit_and_dispatch

        # In the forked horse, never reuse a connection inherited from the parent process.
        db.engine.dispose(close=False)
        done = super().perform_job(*args, **kwargs)
        try:
            # Jobs recorded in the outbox by this job (same transaction) go to RQ now.
            if done:
                commit_and_dispatch()
            else:
                db.session.rollback()
        except SQLAlchemyError:
            log.exception("Job ended, its transaction could not be committed")
        return done

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        handler = KILLED_HANDLERS.get(job.func_name)
        if handler is None:
            return
        try:
            _resolve(handler)(*job.args)
        except (RedisError, SQLAlchemyError):
            db.session.rollback()  # the periodic reaper will do it
            log.exception("Cleaning up after killed job %s failed", job.id)
        finally:
            db.session.remove()


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


def run_worker(app, names, burst=False, with_scheduler=True, sleep=time.sleep):
    """Run the work loop; on a Redis outage wait with exponential back-off and start again."""
    delay = BACKOFF_START
    while True:
        relay_and_reap()
        worker, started = None, time.monotonic()
        try:
            worker = AppWorker([get_queue(name) for name in names], connection=redis_connection())
            worker.relay_interval = app.config["WORKER_RELAY_INTERVAL"]
            worker.work(burst=burst, with_scheduler=with_scheduler)
        except RedisError as error:  # raised while connecting, registering or tearing down
            log.warning("Redis injoignable (%s)", error)
        stopping = worker is not None and (worker.stop_signalled or worker._stop_requested)
        if stopping or (burst and _redis_alive()):
            return worker
        if time.monotonic() - started > 60:
            delay = BACKOFF_START  # it ran a while: this is a new outage
        log.warning("Boucle du worker interrompue ; nouvelle tentative dans %.0f s", delay)
        try:
            sleep(delay)
        except StopRequested:  # SIGTERM/SIGINT while waiting
            return worker
        if worker is not None and worker.stop_signalled:
            return worker
        delay = min(delay * 2, BACKOFF_MAX)


def _redis_alive():
    try:
        return bool(redis_connection().ping())
    except RedisError:
        return False


def supervise(argv, sleep=time.sleep, max_restarts=None, command=None):
    """Run `worker.py argv` (or `command`) in a child process; restart it with back-off when it exits."""
    delay, restarts = BACKOFF_START, 0
    command = command or [sys.executable, os.path.abspath(__file__), *argv]
    while max_restarts is None or restarts <= max_restarts:
        started = time.monotonic()
        child = subprocess.Popen(command)
        try:
            code = child.wait()
        except (KeyboardInterrupt, SystemExit):
            child.terminate()
            child.wait(timeout=30)
            return 0
        if time.monotonic() - started > 60:
            delay = BACKOFF_START
        restarts += 1
        log.warning("Worker arrêté (code %s) : redémarrage dans %.0f s", code, delay)
        sleep(delay)
        delay = min(delay * 2, BACKOFF_MAX)
    return restarts


def main(argv=None):
    parser = argparse.ArgumentParser(description="Carte Commune background worker")
    parser.add_argument("--burst", action="store_true", help="run queued jobs then exit")
    parser.add_argument("--cron", action="store_true", help="run the periodic-job scheduler")
    parser.add_argument("--supervise", action="store_true", help="restart the worker whenever it exits")
    parser.add_argument("--queues", nargs="*", help="queues to listen on (default: all)")
    parser.add_argument("--no-scheduler", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.supervise:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the child too (see supervise)
        rest = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--supervise"]
        return supervise(rest)
    app = create_app()
    with app.app_context():
        if args.cron:
            return run_cron()
        names = args.queues or app.config["RQ_QUEUES"]
        run_worker(app, names, burst=args.burst, with_scheduler=not args.no_scheduler)
    return None


if __name__ == "__main__":
    main()
