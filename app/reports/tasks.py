"""RQ jobs: build one report version; refresh the reports of open consultations (nightly).

`build_report(report_id)` is idempotent on the Report row: it locks the row to claim an attempt,
returns at once if the report is already finished (a retry after the work horse died just after
finishing), and only the first attempt to finish writes the result."""

import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from rq import get_current_job
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from app.accounts.models import User
from app.consultations.models import utcnow
from app.extensions import db
from app.maps import basemap
from app.reports import charts, rankings, spatial, staticmap
from app.reports.figures import compute_figures, database_now
from app.reports.models import Report
from app.reports.pdf import render_pdf, report_locale
from app.reports.scope import Scope, drop_scope_table

log = logging.getLogger(__name__)


@contextmanager
def app_context():
    """The worker's app context (worker.py pushes one); a new app when run by a bare `rq worker`."""
    if has_app_context():
        yield
        return
    from app import create_app

    with create_app().app_context():
        yield


def build_report(report_id):
    """Compute the figures, charts, map and PDF of one Report row."""
    with app_context(), force_locale(requester_locale(report_id)):
        attempt = claim(report_id)
        if attempt is None:
            return {"report": report_id, "skipped": True}
        try:
            finished = _build(report_id, attempt)
        except Exception as error:
            db.session.rollback()
            record_failure(report_id, error)
            raise
        return {"report": report_id, "attempt": attempt, "finished": finished}


def requester_locale(report_id):
    """The language of the person who asked for the report (its PDF, charts and messages), else French."""
    locale = db.session.scalar(
        select(User.locale).join(Report, Report.requested_by_id == User.id).where(Report.id == report_id)
    )
    return locale or "fr"


def claim(report_id):
    """Lock the row and start an attempt; None if there is nothing to do (gone or finished)."""
    report = db.session.execute(
        select(Report).where(Report.id == report_id).with_for_update()
    ).scalar_one_or_none()
    if report is None or report.status == "finished":
        db.session.commit()
        return None
    report.attempts += 1
    report.status = "started"
    report.progress = 0
    attempt = report.attempts
    db.session.commit()
    _job_meta(progress=0, attempt=attempt)
    return attempt


def _build(report_id, attempt):
    report = db.session.get(Report, report_id)
    scope = Scope.of(report)
    folder = report_folder(report_id) / f"a{attempt}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    progress = _progress_updater(report_id)
    db.session.commit()
    figures, annex, points, layers, bbox, data_date = _compute(scope, progress)
    progress(80, persist=True)
    _pause_for_tests(report_id, attempt)
    (folder / "points.geojson").write_text(json.dumps(points))
    with force_locale(report_locale(report)):  # charts, map and PDF in the requester's language
        _write_outputs(report, figures, annex, layers, bbox, folder, progress)
    return finalize(report_id, attempt, figures, data_date, folder)


def _compute(scope, progress):
    """Every SQL read of the report, in one transaction on one connection (the scope table is a
    temporary table): no commit until it is dropped; progress goes to job.meta meanwhile."""
    if isinstance(db.session.get_bind(), Engine) and not db.session().in_transaction():
        # One consistent snapshot: every figure counts the same rows (tests share one connection).
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    data_date = database_now()
    # Big sorts and hashes (distinct participants over millions of votes) stay in memory.
    db.session.execute(text("SET LOCAL work_mem = '128MB'"))
    db.session.execute(text("SET LOCAL jit = off"))  # JIT compilation costs more than it saves here
    figures = compute_figures(scope, data_date, progress)
    annex = rankings.annex(current_app.config["REPORT_ANNEX_MAX"]) if scope.kind != "territory" else None
    points = spatial.map_points(current_app.config["REPORT_MAP_POINTS"])
    zones = [{"rank": z["rank"], "geometry": z["geometry"]} for z in figures["hotspots"]["zones"]]
    layers, bbox, step = spatial.static_map_layers(
        scope, zones, figures["contributions"], current_app.config["REPORT_STATIC_MAP_POINTS"]
    )
    figures["map_sample_step"] = step
    drop_scope_table()
    return figures, annex, points, layers, bbox, data_date


def _write_outputs(report, figures, annex, layers, bbox, folder, progress):
    chart_svgs = charts.render_charts(figures)
    for name, svg in chart_svgs.items():
        (folder / f"chart-{name}.svg").write_text(svg)
    png, streets = staticmap.render_map(layers, bbox, figures["labels"]["themes"])
    (folder / "map.png").write_bytes(png)
    figures["map_basemap"] = {
        "streets": streets,
        "configured": bool(current_app.config.get("MAP_TILES_URL")),
        "attribution": basemap.attribution(),
    }
    progress(85, persist=True)
    render_pdf(report, figures, annex, chart_svgs, "map.png", folder)
    progress(95, persist=True)


def finalize(report_id, attempt, figures, data_date, folder):
    """Write the result unless another attempt already finished; True if this attempt won."""
    report = db.session.execute(select(Report).where(Report.id == report_id).with_for_update()).scalar_one()
    if report.status == "finished":
        db.session.commit()
        shutil.rmtree(folder, ignore_errors=True)
        return False
    report.status = "finished"
    report.progress = 100
    report.figures = figures
    report.data_date = data_date
    report.finished_at = utcnow()
    report.pdf_path = str((folder / "bilan.pdf").relative_to(current_app.config["REPORT_DIR"]))
    report.error = None
    db.session.commit()
    _job_meta(progress=100, attempt=attempt)
    for other in folder.parent.glob("a*"):
        if other != folder:
            shutil.rmtree(other, ignore_errors=True)
    return True


def record_failure(report_id, error):
    """After a failed attempt: back in the queue (RQ retries it) or failed with a French message."""
    job = get_current_job()
    retrying = bool(job and job.retries_left)
    report = db.session.get(Report, report_id)
    if report is None:
        return
    detail = f"{type(error).__name__} : {str(error)[:300]}"
    if retrying:
        report.status = "queued"
        report.error = _(
            "La tentative n° %(attempt)s a échoué ; une nouvelle tentative est programmée "
            "automatiquement. Détail technique : %(detail)s",
            attempt=report.attempts,
            detail=detail,
        )
    else:
        report.status = "failed"
        report.error = failure_message(report.attempts, detail)
    db.session.commit()


def failure_message(attempts, detail):
    return ngettext(
        "La génération du rapport a échoué après %(num)s tentative. Relancez-la avec le bouton "
        "« Générer » ; si l'échec se répète, transmettez ce message à l'administrateur. "
        "Détail technique : %(detail)s",
        "La génération du rapport a échoué après %(num)s tentatives. Relancez-la avec le bouton "
        "« Générer » ; si l'échec se répète, transmettez ce message à l'administrateur. "
        "Détail technique : %(detail)s",
        attempts,
        detail=detail,
    )


def report_folder(report_id):
    return Path(current_app.config["REPORT_DIR"]) / str(report_id)


def _progress_updater(report_id):
    started = time.perf_counter()

    def update(value, persist=False):
        # Inside the SQL phase only job.meta moves: a commit would hand the temporary table's
        # connection back to the pool. Report.progress is written once that phase is over.
        if persist:
            db.session.execute(
                text("UPDATE reports SET progress = :p WHERE id = :id"), {"p": value, "id": report_id}
            )
            db.session.commit()
        _job_meta(progress=value)
        log.info("report %s: %s %% after %.1f s", report_id, value, time.perf_counter() - started)

    return update


def _job_meta(**values):
    job = get_current_job()
    if job is not None:
        job.meta.update(values)
        job.save_meta()


def _pause_for_tests(report_id, attempt):
    # Test hook (REPORT_TEST_SLOW_SECONDS, off by default): the first attempt writes the work
    # horse's pid and sleeps, so a test can kill the horse in the middle of the job.
    seconds = current_app.config.get("REPORT_TEST_SLOW_SECONDS") or 0
    if seconds and attempt == 1:
        (report_folder(report_id) / "horse.pid").write_text(str(os.getpid()))
        time.sleep(seconds)


def refresh_open_consultations():
    """Nightly: a new report version for every open consultation, and the territory dashboard."""
    with app_context():
        from app.jobs import commit_and_dispatch
        from app.reports.services import enqueue_report, refresh_open

        reports = refresh_open()
        for report in reports:
            enqueue_report(report)  # recorded in the outbox, in the same transaction
        commit_and_dispatch()
        return [report.id for report in reports]
