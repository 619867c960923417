"""JSON API: /api/reports (urbanists, moderators, admins; session or Bearer token)."""

from flask import url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint

from app.accounts.auth import require_login
from app.consultations.queries import get_consultation
from app.consultations.staff import check_somewhere
from app.errors import Invalid
from app.reports import queries, services
from app.reports.schemas import ReportDetailSchema, ReportListArgs, ReportRequestSchema, ReportSchema

blp = Blueprint("reports_api", __name__, url_prefix="/api/reports", description="Rapports et bilans")


def _reader():
    user = require_login()
    check_somewhere(user, "read_reports")
    return user


def serialize(report, with_figures=False):
    """The API view of a report: live status and progress, links, figures when asked."""
    live = queries.state(report)
    data = {
        "id": report.id,
        "job_id": report.job_id,
        "scope": report.scope,
        "consultation": report.consultation.slug if report.consultation_id else None,
        "qpv": report.qpv_code,
        "version": report.version,
        "attempts": report.attempts,
        "created_at": report.created_at,
        "finished_at": report.finished_at,
        "data_date": report.data_date,
        "pdf_url": url_for("reports.download", report_id=report.id) if queries.pdf_file(report) else None,
        "page_url": _page_url(report),
        "url": url_for("reports_api.get_report", report_id=report.id),
        **live,
    }
    if with_figures:
        data["figures"] = report.figures if report.status == "finished" else None
    return data


def _page_url(report):
    if report.consultation_id:
        return url_for("reports.consultation", slug=report.consultation.slug)
    if report.qpv_code:
        return url_for("reports.qpv", code=report.qpv_code)
    return url_for("reports.index")


def _documented(view):
    """The error answers every reports endpoint may give (JSON envelope)."""
    view = blp.alt_response(401, description="Non connecté (ni session, ni jeton valable)")(view)
    view = blp.alt_response(403, description="Réservé aux urbanistes, modérateurs et administrateurs")(view)
    return blp.alt_response(404, description="Concertation, quartier ou rapport inconnu")(view)


@blp.route("", methods=["POST"])
@blp.arguments(ReportRequestSchema)
@blp.response(202, ReportSchema)
@_documented
def create_report(args):
    """Queue a new report on a consultation (`consultation`: slug), a QPV (`qpv`: code) or the territory."""
    user = _reader()
    chosen = [name for name in ("consultation", "qpv") if args.get(name)] + (
        ["territory"] if args["territory"] else []
    )
    if len(chosen) != 1:
        message = _("Indiquez soit « consultation » (adresse), soit « qpv » (code), soit « territory ».")
        raise Invalid(message, fields={"consultation": [message]})
    consultation = get_consultation(args["consultation"]) if args.get("consultation") else None
    qpv = queries.get_qpv(args["qpv"]) if args.get("qpv") else None
    services.check_reader(user, consultation.id if consultation else None, qpv.code if qpv else None)
    report = services.request_report(user, consultation=consultation, qpv=qpv)
    return serialize(report)


@blp.route("")
@blp.arguments(ReportListArgs, location="query")
@blp.response(200, ReportSchema(many=True))
@_documented
def list_reports(args):
    """The versions of the reports on one consultation or QPV (territory when neither), newest first."""
    user = _reader()
    consultation_id = get_consultation(args["consultation"]).id if args.get("consultation") else None
    qpv_code = queries.get_qpv(args["qpv"]).code if args.get("qpv") else None
    services.check_reader(user, consultation_id, qpv_code)
    return [serialize(report) for report in queries.history(consultation_id, qpv_code)[:50]]


@blp.route("/<int:report_id>")
@blp.response(200, ReportDetailSchema)
@_documented
def get_report(report_id):
    """One report: status, progress, PDF link and, once finished, its figures."""
    user = _reader()
    return serialize(services.check_report(user, queries.get_report(report_id)), with_figures=True)
