"""The public restitution page, its map data and bilan PDF; publish / withdraw for the project team."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.consultations.queries import get_consultation
from app.contributions.models import OUTCOME_LABELS
from app.extensions import db
from app.restitution import queries, services
from app.restitution.figures import GROUPS

bp = Blueprint("restitution", __name__, url_prefix="/consultations/<slug>/restitution")


def _is_team():
    return current_user.is_authenticated and current_user.has_role("moderator")


def _published_or_404(slug):
    consultation = get_consultation(slug)
    restitution = queries.get_restitution(consultation)
    if _is_team():
        return consultation, restitution
    if not consultation.is_published or not queries.is_published(restitution):
        abort(404)
    return consultation, restitution


def _chosen_report(restitution):
    """The bilan report chosen at publication, or None."""
    if restitution is None or not restitution.report_id:
        return None
    return db.session.get(_report_model(), restitution.report_id)


@bp.get("")
def show(slug):
    consultation, restitution = _published_or_404(slug)
    report = _chosen_report(restitution)
    return render_template(
        "restitution/show.html",
        consultation=consultation,
        restitution=restitution,
        published=queries.is_published(restitution),
        f=restitution.figures if restitution else None,
        answers=queries.official_answers(consultation.id),
        groups=GROUPS,
        outcomes=OUTCOME_LABELS,
        report=report if report is not None and report.status == "finished" else None,
        is_team=_is_team(),
    )


@bp.get("/idees.geojson")
def map_data(slug):
    consultation, _restitution = _published_or_404(slug)
    body = queries.map_geojson(consultation.id)
    return Response(body, mimetype="application/geo+json", headers={"Cache-Control": "public, max-age=300"})


@bp.get("/bilan.pdf")
def bilan(slug):
    """The bilan PDF chosen at publication; public only while the restitution is published."""
    from app.reports.queries import download_name, pdf_file

    consultation, restitution = _published_or_404(slug)
    report = _chosen_report(restitution)
    path = pdf_file(report) if report is not None else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/pdf", download_name=download_name(report))


@bp.post("/publier")
def publish(slug):
    consultation = get_consultation(slug)
    services.publish(current_user, consultation)
    flash(_("La restitution est publiée : tout le monde peut la lire."), "success")
    return redirect(url_for("restitution.show", slug=slug))


@bp.post("/retirer")
def withdraw(slug):
    consultation = get_consultation(slug)
    services.withdraw(current_user, consultation)
    flash(_("La restitution n'est plus publique."), "success")
    return redirect(url_for("restitution.show", slug=slug))


def _report_model():
    from app.reports.models import Report

    return Report
