"""`python worker.py --burst` runs report jobs; a killed work horse leads to a retry and one finished report.

These tests commit (the worker is another process) and use the test database and Redis."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.job import Job
from sqlalchemy import text

from app.extensions import db, redis_connection
from app.jobs import commit_and_dispatch
from app.reports.models import Report
from app.reports.services import enqueue_report, request_report

ROOT = Path(__file__).resolve().parents[2]
# The worker under test: the project's worker.py (another script only to try a fix of it locally).
WORKER = [sys.executable, os.environ.get("REPORTS_TEST_WORKER", "worker.py"), "--burst"]


def worker_env(app, **extra):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        REPORT_DIR=app.config["REPORT_DIR"],
        CARTE_ENV="test",
        PYTHONPATH=str(ROOT),
        MAP_TILES_URL="",
        **extra,
    )
    return env


def queue_report(data):
    report = request_report(None, consultation=data.consultation, enqueue=False)
    db.session.commit()
    enqueue_report(report)
    commit_and_dispatch()  # the outbox row commits with the caller's transaction, then goes to RQ
    return report.id


def fetch(report_id):
    db.session.expire_all()
    return db.session.get(Report, report_id)


@pytest.mark.committed
def test_worker_burst_builds_the_report(app, seed_reports):
    data = seed_reports()
    db.session.commit()
    report_id = queue_report(data)
    done = subprocess.run(WORKER, cwd=ROOT, env=worker_env(app), timeout=300, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    report = fetch(report_id)
    assert report.status == "finished", (done.stdout + done.stderr).decode()[-1500:]
    votes = db.session.execute(
        text(
            "SELECT count(*) FROM votes v JOIN contributions c ON c.id = v.contribution_id"
            " WHERE c.consultation_id = :c AND c.status = 'published'"
        ),
        {"c": data.consultation.id},
    ).scalar_one()
    assert report.figures["votes"] == votes
    assert report.figures["contributions"] == len(data.published)
    assert (Path(app.config["REPORT_DIR"]) / report.pdf_path).is_file()


def _wait_for(path, process, seconds=180):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the job never reached its slow step"
        time.sleep(0.2)
    return int(path.read_text())


@pytest.mark.committed
def test_killed_work_horse_is_retried_into_exactly_one_report(app, seed_reports):
    data = seed_reports()
    db.session.commit()
    report_id = queue_report(data)
    pid_file = Path(app.config["REPORT_DIR"]) / str(report_id) / "horse.pid"
    pid_file.unlink(missing_ok=True)  # left by an earlier test session (ids restart with the schema)
    env = worker_env(app, REPORT_TEST_SLOW_SECONDS="120")
    worker = subprocess.Popen(WORKER, cwd=ROOT, env=env, stderr=subprocess.PIPE)
    horse = _wait_for(pid_file, worker)
    assert horse != worker.pid
    report = fetch(report_id)
    assert report.status == "started" and report.attempts == 1 and 0 < report.progress < 100
    os.kill(horse, signal.SIGKILL)
    worker.wait(timeout=120)
    job = Job.fetch(report.job_id, connection=redis_connection())
    assert job.get_status() == "scheduled"  # RQ's Retry: next attempt in 5 s
    assert fetch(report_id).status == "started"
    time.sleep(6)
    retry = subprocess.run(WORKER, cwd=ROOT, env=worker_env(app), timeout=300, capture_output=True)
    assert retry.returncode == 0, retry.stderr.decode()[-2000:]
    report = fetch(report_id)
    assert report.status == "finished" and report.attempts == 2, report.error
    assert db.session.query(Report).filter(Report.status == "finished").count() == 1
    assert db.session.query(Report).count() == 1
    assert Job.fetch(report.job_id, connection=redis_connection()).get_status() == "finished"
    folders = sorted(p.name for p in pid_file.parent.iterdir() if p.is_dir())
    assert folders == ["a2"] and report.pdf_path == f"{report_id}/a2/bilan.pdf"
