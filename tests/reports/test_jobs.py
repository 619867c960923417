"""Report jobs: retries, the French error after the last attempt, idempotence, dead jobs, nightly refresh."""

from datetime import timedelta

import pytest
from rq.job import Job

from app.consultations.models import utcnow
from app.extensions import db, redis_connection
from app.reports import queries, tasks
from app.reports.models import Report
from app.reports.services import request_report


@pytest.fixture
def quick_retries(app, monkeypatch):
    # Retry at once (no interval), so the in-process burst worker runs every attempt.
    monkeypatch.setitem(app.config, "REPORT_RETRY_INTERVALS", [0, 0])


def _reload(report_id):
    db.session.expire_all()
    return db.session.get(Report, report_id)


def test_failing_job_retries_then_fails_with_a_french_message(
    seed_reports, run_jobs, quick_retries, monkeypatch
):
    data = seed_reports()
    calls = []

    def broken(*args):
        calls.append(1)
        raise RuntimeError("disque plein")

    monkeypatch.setattr(tasks, "render_pdf", broken)
    report = request_report(None, consultation=data.consultation)
    run_jobs(["reports"])
    report = _reload(report.id)
    assert len(calls) == 3  # the first attempt and RQ's two retries
    assert report.status == "failed" and report.attempts == 3
    assert report.error.startswith("La génération du rapport a échoué après 3 tentatives.")
    assert "RuntimeError : disque plein" in report.error
    assert queries.state(report)["status"] == "failed"


def test_a_transient_failure_is_retried_into_one_finished_report(
    seed_reports, run_jobs, quick_retries, monkeypatch
):
    data = seed_reports()
    real = tasks.render_pdf
    calls = []

    def flaky(*args):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("coupure réseau")
        return real(*args)

    monkeypatch.setattr(tasks, "render_pdf", flaky)
    report = request_report(None, consultation=data.consultation)
    run_jobs(["reports"])
    report = _reload(report.id)
    assert report.status == "finished" and report.attempts == 2 and report.error is None
    assert report.pdf_path.endswith("a2/bilan.pdf")
    assert not (queries.report_dir() / str(report.id) / "a1").exists()
    assert db.session.query(Report).count() == 1


def test_a_finished_report_is_never_rebuilt(seed_reports, run_jobs):
    data = seed_reports()
    report = request_report(None, consultation=data.consultation)
    run_jobs(["reports"])
    first = _reload(report.id)
    finished_at, pdf_path = first.finished_at, first.pdf_path
    assert tasks.build_report(report.id) == {"report": report.id, "skipped": True}
    again = _reload(report.id)
    assert (again.finished_at, again.pdf_path, again.attempts) == (finished_at, pdf_path, 1)


def test_a_dead_job_shows_failed_and_a_new_version_can_start(make_consultation):
    consultation = make_consultation()
    stuck = request_report(None, consultation=consultation, enqueue=False)
    stuck.status, stuck.attempts = "started", 3
    stuck.created_at = utcnow() - timedelta(minutes=30)
    db.session.flush()
    state = queries.state(stuck)  # no job in Redis any more
    assert state["status"] == "failed" and "perdue" in state["error"]
    job = Job.create(
        "app.reports.tasks.build_report", args=(stuck.id,), id=stuck.job_id, connection=redis_connection()
    )
    job.set_status("failed")
    job.save()
    assert "interrompue après 3 tentatives" in queries.state(stuck)["error"]
    fresh = request_report(None, consultation=consultation)
    assert fresh.id != stuck.id and fresh.version == 2
    assert stuck.status == "failed"


def test_nightly_refresh_covers_open_consultations_and_territory(app, make_consultation, run_jobs):
    opened = make_consultation()
    make_consultation(is_open=False)
    result = app.test_cli_runner().invoke(args=["reports", "refresh-open"])
    assert result.exit_code == 0, result.output
    assert "2 rapport(s) mis en file d'attente" in result.output
    reports = db.session.query(Report).order_by(Report.id).all()
    assert [(r.consultation_id, r.qpv_code) for r in reports] == [(opened.id, None), (None, None)]
    # Run again while they are queued: nothing new.
    result = app.test_cli_runner().invoke(args=["reports", "refresh-open"])
    assert "0 rapport(s)" in result.output
    run_jobs(["reports"])
    db.session.expire_all()
    assert {r.status for r in db.session.query(Report)} == {"finished"}


def test_nightly_job_queues_and_builds_reports(make_consultation, run_jobs):
    from app.extensions import get_queue

    opened = make_consultation()
    get_queue("reports").enqueue("app.reports.tasks.refresh_open_consultations")
    run_jobs(["reports"])  # the nightly job, then the report jobs it queued, in one burst
    db.session.expire_all()
    reports = db.session.query(Report).order_by(Report.id).all()
    assert [(r.consultation_id, r.status) for r in reports] == [(opened.id, "finished"), (None, "finished")]


def test_cli_generate_now_builds_in_process(app, make_consultation):
    consultation = make_consultation()
    result = app.test_cli_runner().invoke(
        args=["reports", "generate", "--consultation", consultation.slug, "--now"]
    )
    assert result.exit_code == 0, result.output
    assert "Terminé" in result.output
    report = db.session.query(Report).one()
    assert report.status == "finished" and report.figures["contributions"] == 0
