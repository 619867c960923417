"""Reads on reports: versions, live progress, files. No aggregate is computed here."""

from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import escape
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import and_, select
from sqlalchemy.orm import load_only, raiseload, selectinload

from app.consultations.models import Consultation, utcnow
from app.errors import NotFound
from app.extensions import db, redis_connection
from app.reports.models import Report
from app.territory.models import Qpv

DEAD_STATUSES = ("failed", "stopped", "canceled")
LOST_AFTER = timedelta(minutes=2)


def scope_condition(consultation_id, qpv_code):
    """SQL condition selecting the reports of one scope (territory when both are None)."""
    return and_(
        Report.consultation_id == consultation_id if consultation_id else Report.consultation_id.is_(None),
        Report.qpv_code == qpv_code if qpv_code else Report.qpv_code.is_(None),
    )


def get_report(report_id):
    """The report with this id, or NotFound."""
    report = db.session.get(Report, report_id)
    if report is None:
        raise NotFound(_("Ce rapport n'existe pas."))
    return report


def history(consultation_id=None, qpv_code=None):
    """Every version of the reports on one scope, newest first."""
    return db.session.scalars(
        select(Report)
        .options(selectinload(Report.requested_by), selectinload(Report.consultation))
        .where(scope_condition(consultation_id, qpv_code))
        .order_by(Report.version.desc())
    ).all()


def latest_finished(versions):
    return next((report for report in versions if report.status == "finished"), None)


def latest_by_consultation():
    """{consultation_id: newest Report} in one statement."""
    rows = db.session.scalars(
        select(Report)
        .where(Report.consultation_id.is_not(None))
        .order_by(Report.consultation_id, Report.version.desc())
        .distinct(Report.consultation_id)
    ).all()
    return {report.consultation_id: report for report in rows}


def latest_by_qpv():
    """{qpv_code: newest Report} in one statement."""
    rows = db.session.scalars(
        select(Report)
        .where(Report.qpv_code.is_not(None))
        .order_by(Report.qpv_code, Report.version.desc())
        .distinct(Report.qpv_code)
    ).all()
    return {report.qpv_code: report for report in rows}


def list_consultations(allowed_ids=None):
    """The consultations of the served territory (those of `allowed_ids` when given), last closed first."""
    from app.territory.identity import in_territory

    query = (
        select(Consultation)
        .where(in_territory(Consultation.territory))
        .order_by(Consultation.closes_at.desc(), Consultation.id)
    )
    if allowed_ids is not None:
        query = query.where(Consultation.id.in_(allowed_ids))
    return db.session.scalars(query).all()


def list_qpv():
    """The served territory's QPV for the reports index: code, name, NPNRU, population (neither the
    perimeters nor the communes are read; touching them raises)."""
    from app.territory.queries import qpv_of_territory

    columns = load_only(Qpv.code, Qpv.name, Qpv.npnru, Qpv.population, raiseload=True)
    query = select(Qpv).options(columns, raiseload(Qpv.communes)).where(qpv_of_territory()).order_by(Qpv.code)
    return db.session.scalars(query).all()


def get_qpv(code):
    qpv = db.session.get(Qpv, code)
    if qpv is None:
        raise NotFound(_("Ce quartier prioritaire n'existe pas."))
    return qpv


def _job(report):
    if not report.job_id:
        return None
    try:
        return Job.fetch(report.job_id, connection=redis_connection())
    except NoSuchJobError:
        return None


def job_exists(report):
    """True when the report's RQ job is known to Redis."""
    return _job(report) is not None


def dead_job_message(report):
    """A French explanation when a queued/started report's job died for good; None while it lives."""
    if not report.is_running:
        return None
    job = _job(report)
    if job is None:
        if report.created_at and utcnow() - report.created_at > LOST_AFTER:
            return _("La demande a été perdue par la file de traitement. Relancez la génération.")
        return None
    if job.get_status() in DEAD_STATUSES:
        return ngettext(
            "La génération du rapport a été interrompue après %(num)s tentative (processus de traitement "
            "arrêté). Relancez-la avec le bouton « Générer ».",
            "La génération du rapport a été interrompue après %(num)s tentatives (processus de traitement "
            "arrêté). Relancez-la avec le bouton « Générer ».",
            report.attempts,
        )
    return None


def state(report):
    """{"status", "progress", "error"} as shown to people: live progress from the job, dead jobs failed."""
    status, progress, error = report.status, report.progress, report.error
    if report.is_running:
        message = dead_job_message(report)
        if message:
            return {"status": "failed", "progress": progress, "error": message}
        job = _job(report)
        if job is not None:
            progress = max(progress, int(job.get_meta(refresh=True).get("progress", 0) or 0))
    return {"status": status, "progress": progress, "error": error}


def report_dir():
    return Path(current_app.config["REPORT_DIR"])


def pdf_file(report):
    """Absolute path of the report's PDF, or None."""
    if report.status != "finished" or not report.pdf_path:
        return None
    path = report_dir() / report.pdf_path
    return path if path.is_file() else None


def output_file(report, name):
    """A file produced next to the PDF (charts, map, points), or None."""
    pdf = pdf_file(report)
    if pdf is None:
        return None
    path = pdf.parent / name
    return path if path.is_file() else None


def chart_svgs(report, names, captions):
    """{name: SVG text} of the report's charts, ready to inline (role="img" and a French label)."""
    charts = {}
    for name in names:
        path = output_file(report, f"chart-{name}.svg")
        if path is not None:
            label = escape(_("%(caption)s (valeurs dans le tableau plus bas)", caption=captions[name]))
            charts[name] = path.read_text().replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return charts


def scope_title(report):
    if report.consultation_id:
        return report.consultation.title
    if report.qpv_code:
        return f"Quartier {report.qpv.name} ({report.qpv_code})"
    from app.territory.identity import territory_identity

    return f"Territoire : {territory_identity().name}"


def download_name(report):
    """The PDF's file name for people: bilan-<scope>-v<version>.pdf."""
    if report.consultation_id:
        scope = report.consultation.slug
    else:
        scope = report.qpv_code.lower() if report.qpv_code else "territoire"
    return f"bilan-{scope}-v{report.version}.pdf"


def latest_finished_for_consultation(consultation):
    """The newest finished report on a consultation, or None."""
    return db.session.scalar(
        select(Report)
        .where(Report.consultation_id == consultation.id, Report.status == "finished")
        .order_by(Report.version.desc())
        .limit(1)
    )
