"""Writes on reports: request a new version (queued job), mark dead jobs, the nightly refresh.

Services flush, never commit: the request (or the CLI command) commits, and the job is queued only
after the commit (app.jobs.enqueue_after_commit)."""

import uuid

from flask import current_app
from flask_babel import gettext as _
from rq import Retry
from sqlalchemy import func, select, text

from app.consultations import staff
from app.consultations.models import Consultation, utcnow
from app.errors import Invalid
from app.extensions import db
from app.jobs import enqueue_after_commit
from app.reports.models import Report
from app.reports.queries import dead_job_message, scope_condition

JOB = "app.reports.tasks.build_report"


def check_reader(user, consultation_id=None, qpv_code=None):
    """Forbidden unless `user` reads the reports of this scope: a consultation's team (assignment) or the
    platform-wide readers; QPV and territory reports span consultations: platform-wide readers only."""
    if consultation_id is not None:
        staff.check(user, "read_reports", consultation_id)
    else:
        staff.check_everywhere(
            user,
            "read_reports",
            _(
                "Les rapports d'un quartier ou du territoire sont réservés aux urbanistes, "
                "modérateurs et administrateurs de toute la plateforme."
            ),
        )


def check_report(user, report):
    """Forbidden unless `user` reads this report (see check_reader)."""
    check_reader(user, report.consultation_id, report.qpv_code)
    return report


def request_report(user, consultation=None, qpv=None, enqueue=True):
    """The next version of the report on a consultation, a QPV or (neither) the territory.

    A version still queued or running for the same scope is returned instead of a new one."""
    return _request(user, consultation, qpv, enqueue)[0]


def _request(user, consultation, qpv, enqueue):
    if consultation is not None and qpv is not None:
        raise Invalid(_("Choisissez une concertation ou un quartier, pas les deux."))
    consultation_id = consultation.id if consultation is not None else None
    qpv_code = qpv.code if qpv is not None else None
    condition = scope_condition(consultation_id, qpv_code)
    # One version number per scope even when two people click « Générer » at the same time.
    key = f"reports:{consultation_id}:{qpv_code}"
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    running = db.session.scalar(
        select(Report).where(condition, Report.status.in_(("queued", "started"))).order_by(Report.id.desc())
    )
    if running is not None and not mark_if_dead(running):
        return running, False
    version = (db.session.scalar(select(func.max(Report.version)).where(condition)) or 0) + 1
    report = Report(
        consultation_id=consultation_id,
        qpv_code=qpv_code,
        version=version,
        status="queued",
        progress=0,
        attempts=0,
        job_id=uuid.uuid4().hex,
        requested_by_id=user.id if user is not None else None,
        created_at=utcnow(),
    )
    db.session.add(report)
    db.session.flush()
    if enqueue:
        enqueue_report(report)
    return report, True


def enqueue_report(report):
    """Queue the job building `report` once the caller's transaction commits (job outbox)."""
    config = current_app.config
    return enqueue_after_commit(
        "reports",
        JOB,
        report.id,
        job_id=report.job_id,
        retry=Retry(max=config["REPORT_RETRY_MAX"], interval=list(config["REPORT_RETRY_INTERVALS"])),
        job_timeout=config["REPORT_JOB_TIMEOUT"],
    )


def mark_if_dead(report):
    """Mark a queued/started report failed when its job is gone or failed; True if it was."""
    message = dead_job_message(report)
    if message is None:
        return False
    report.status = "failed"
    report.error = message
    db.session.flush()
    return True


def refresh_open():
    """A new report version (not yet queued) for each open consultation and for the territory.

    The caller calls `enqueue_report` on each returned report, then commits."""
    now = utcnow()
    consultations = db.session.scalars(
        select(Consultation)
        .where(
            Consultation.is_published.is_(True), Consultation.opens_at <= now, Consultation.closes_at > now
        )
        .order_by(Consultation.id)
    ).all()
    requests = [_request(None, c, None, False) for c in consultations] + [_request(None, None, None, False)]
    # A scope whose report is still queued or running keeps it (already queued): not returned.
    return [report for report, created in requests if created]
