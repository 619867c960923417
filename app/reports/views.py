"""Report pages: the dashboard (/rapports), one consultation, one QPV; downloads of the outputs."""

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.consultations.queries import get_consultation
from app.consultations.staff import requires, scope_ids
from app.reports import queries, services
from app.reports.mapview import report_map
from app.reports.pdf import template_helpers
from app.reports.scope import Scope
from app.security import add_nonce

bp = Blueprint("reports", __name__, url_prefix="/rapports")
CHART_NAMES = ("themes", "weeks", "sources", "outcomes", "qpv")
CHART_CAPTIONS = {
    "themes": _l("Contributions publiées par thème"),
    "weeks": _l("Contributions et votes par semaine"),
    "sources": _l("Contributions par canal"),
    "outcomes": _l("Suite donnée aux contributions"),
    "qpv": _l("Participants pour 1 000 habitants"),
}


@bp.get("")
@requires("read_reports")
def index():
    """Territory dashboard (21 QPV side by side), consultations and QPV with their latest report; people
    assigned to consultations see theirs only."""
    allowed = scope_ids(current_user, "read_reports")
    everywhere = allowed is None
    versions = queries.history() if everywhere else []
    return render_template(
        "reports/index.html",
        everywhere=everywhere,
        versions=versions,
        latest=queries.latest_finished(versions),
        running=_running(versions),
        consultations=queries.list_consultations(allowed),
        by_consultation=queries.latest_by_consultation(),
        qpvs=queries.list_qpv() if everywhere else [],
        by_qpv=queries.latest_by_qpv() if everywhere else {},
        state=queries.state,
        **template_helpers(),
    )


@bp.get("/concertations/<slug>")
@requires("read_reports")
def consultation(slug):
    item = get_consultation(slug)
    services.check_reader(current_user, item.id)
    return _scope_page(Scope("consultation", consultation_id=item.id), item.title, consultation=item)


@bp.get("/quartiers/<code>")
@requires("read_reports")
def qpv(code):
    item = queries.get_qpv(code)
    services.check_reader(current_user, qpv_code=item.code)
    return _scope_page(Scope("qpv", qpv_code=item.code), f"Quartier {item.name} ({item.code})", qpv=item)


def _scope_page(scope, title, consultation=None, qpv=None):
    versions = queries.history(scope.consultation_id, scope.qpv_code)
    latest = queries.latest_finished(versions)
    return render_template(
        "reports/show.html",
        title=title,
        consultation=consultation,
        qpv=qpv,
        versions=versions,
        latest=latest,
        f=latest.figures if latest else None,
        running=_running(versions),
        map_parts=report_map(scope, latest),
        charts=_charts(latest),
        captions=CHART_CAPTIONS,
        state=queries.state,
        **template_helpers(),
    )


def _charts(latest):
    """The report's SVG charts; their <style> element (matplotlib's) gets this request's CSP nonce."""
    if latest is None:
        return {}
    return {
        name: add_nonce(svg) for name, svg in queries.chart_svgs(latest, CHART_NAMES, CHART_CAPTIONS).items()
    }


def _running(versions):
    return next(
        (report for report in versions if queries.state(report)["status"] in ("queued", "started")), None
    )


@bp.post("/concertations/<slug>/generer")
@requires("read_reports")
def generate_consultation(slug):
    item = get_consultation(slug)
    services.check_reader(current_user, item.id)
    _generated(services.request_report(current_user, consultation=item))
    return redirect(url_for("reports.consultation", slug=slug))


@bp.post("/quartiers/<code>/generer")
@requires("read_reports")
def generate_qpv(code):
    qpv = queries.get_qpv(code)
    services.check_reader(current_user, qpv_code=qpv.code)
    _generated(services.request_report(current_user, qpv=qpv))
    return redirect(url_for("reports.qpv", code=code))


@bp.post("/territoire/generer")
@requires("read_reports")
def generate_territory():
    services.check_reader(current_user)
    _generated(services.request_report(current_user))
    return redirect(url_for("reports.index"))


def _generated(report):
    if report.attempts or report.status == "started":
        flash(_("La version %(version)s est déjà en cours de génération.", version=report.version), "success")
    else:
        flash(
            _(
                "Version %(version)s demandée : la génération démarre dans quelques instants.",
                version=report.version,
            ),
            "success",
        )


@bp.get("/<int:report_id>/bilan.pdf")
@requires("read_reports")
def download(report_id):
    report = services.check_report(current_user, queries.get_report(report_id))
    path = queries.pdf_file(report)
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/pdf", download_name=queries.download_name(report))


@bp.get("/<int:report_id>/graphiques/<name>.svg")
@requires("read_reports")
def chart(report_id, name):
    if name not in CHART_NAMES:
        abort(404)
    path = queries.output_file(
        services.check_report(current_user, queries.get_report(report_id)), f"chart-{name}.svg"
    )
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/svg+xml", max_age=3600)


@bp.get("/<int:report_id>/carte.png")
@requires("read_reports")
def map_image(report_id):
    path = queries.output_file(services.check_report(current_user, queries.get_report(report_id)), "map.png")
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=3600)
