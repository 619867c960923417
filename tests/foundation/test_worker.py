"""worker.py: the periodic jobs resolve and register; a burst worker process runs a queued job."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import worker
from app.extensions import get_queue

ROOT = Path(__file__).resolve().parents[2]


def test_periodic_jobs_register_in_the_rq_cron_scheduler(app):
    scheduler = worker.build_cron_scheduler()
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    assert set(jobs) == {dotted for dotted, _, _ in worker.PERIODIC_JOBS}
    assert jobs["app.reports.tasks.refresh_open_consultations"].cron == "0 1 * * *"
    assert all(
        job.get_next_enqueue_time() > job.get_next_enqueue_time().replace(year=2000) for job in jobs.values()
    )


@pytest.mark.committed
def test_burst_worker_process_runs_a_queued_job_and_exits(app):
    job = get_queue("default").enqueue("app.health.check_health")
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        SECRET_KEY=app.config["SECRET_KEY"],  # no constant fallback any more: the app's own key
    )
    done = subprocess.run(
        [sys.executable, "worker.py", "--burst", "--queues", "default"],
        cwd=ROOT,
        env=env,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    job.refresh()
    assert job.get_status() == "finished"
    assert job.return_value() == ({"database": "ok", "redis": "ok"}, True)
