"""Report pages: the dashboard (/rapports), one consultation, one QPV; downloads of the outputs."""

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.auth import roles_required
from app.consultations.queries import get_consultation
from app.reports import queries, services
from app.reports.mapview import report_map
from app.reports.pdf import template_helpers
from app.reports.scope import Scope
from app.security import add_nonce

bp = Blueprint("reports", __name__, url_prefix="/rapports")
READERS = ("urbanist", "moderator")
CHART_NAMES = ("themes", "weeks", "sources", "outcomes", "qpv")
CHART_CAPTIONS = {
    "themes": _l("Contributions publiées par thème"),
    "weeks": _l("Contributions et votes par semaine"),
    "sources": _l("Contributions par canal"),
    "outcomes": _l("Suite donnée aux contributions"),
    "qpv": _l("Participants pour 1 000 habitants"),
}


@bp.get("")
@roles_required(*READERS)
def index():
    """Territory dashboard (21 QPV side by side), consultations and QPV with their latest report."""
    versions = queries.history()
    return render_template(
        "reports/index.html",
        versions=versions,
        latest=queries.latest_finished(versions),
        running=_running(versions),
        consultations=queries.list_consultations(),
        by_consultation=queries.latest_by_consultation(),
        qpvs=queries.list_qpv(),
        by_qpv=queries.latest_by_qpv(),
        state=queries.state,
        **template_helpers(),
    )


@bp.get("/concertations/<slug>")
@roles_required(*READERS)
def consultation(slug):
    item = get_consultation(slug)
    return _scope_page(Scope("consultation", consultation_id=item.id), item.title, consultation=item)


@bp.get("/quartiers/<code>")
@roles_required(*READERS)
def qpv(code):
    item = queries.get_qpv(code)
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
@roles_required(*READERS)
def generate_consultation(slug):
    item = get_consultation(slug)
    _generated(services.request_report(current_user, consultation=item))
    return redirect(url_for("reports.consultation", slug=slug))


@bp.post("/quartiers/<code>/generer")
@roles_required(*READERS)
def generate_qpv(code):
    _generated(services.request_report(current_user, qpv=queries.get_qpv(code)))
    return redirect(url_for("reports.qpv", code=code))


@bp.post("/territoire/generer")
@roles_required(*READERS)
def generate_territory():
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
@roles_required(*READERS)
def download(report_id):
    report = queries.get_report(report_id)
    path = queries.pdf_file(report)
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/pdf", download_name=queries.download_name(report))


@bp.get("/<int:report_id>/graphiques/<name>.svg")
@roles_required(*READERS)
def chart(report_id, name):
    if name not in CHART_NAMES:
        abort(404)
    path = queries.output_file(queries.get_report(report_id), f"chart-{name}.svg")
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/svg+xml", max_age=3600)


@bp.get("/<int:report_id>/carte.png")
@roles_required(*READERS)
def map_image(report_id):
    path = queries.output_file(queries.get_report(report_id), "map.png")
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=3600)
