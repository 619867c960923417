"""Back office of consultations (/gestion/concertations): create, edit, phases, staff."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in
from sqlalchemy import select

from app.consultations import editing, news, queries, staff
from app.consultations.forms import (
    PHASE_ROWS,
    blank_form,
    data_from_form,
    form_from_consultation,
    perimeter_from_form,
)
from app.consultations.models import GEOMETRY_KINDS, STAFF_ROLE_LABELS, STAFF_ROLES, Consultation
from app.consultations.phases import advance_phase
from app.errors import AppError, Forbidden
from app.extensions import db, login_manager
from app.territory.identity import in_territory
from app.territory.models import Qpv, Theme
from app.territory.queries import qpv_of_territory

bp = Blueprint("consultation_admin", __name__, url_prefix="/gestion/concertations")
KIND_LABELS = {
    "point": _l("Lieux (points)"),
    "line": _l("Parcours (lignes)"),
    "polygon": _l("Zones (polygones)"),
}


@bp.before_request
def _signed_in():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


LEAD_FLAG = "leads_consultations"


@bp.app_context_processor
def _nav():
    # Read from the session (set at sign-in and on the back-office index): no query on every page.
    def runs_consultations():
        return current_user.is_authenticated and (
            current_user.role == "admin" or bool(session.get(LEAD_FLAG))
        )

    return {"runs_consultations": runs_consultations}


@user_logged_in.connect
def _remember_lead(sender, user, **extra):
    session[LEAD_FLAG] = staff.leads_any(user)


def _choices():
    return {
        "all_qpvs": db.session.scalars(select(Qpv).where(qpv_of_territory()).order_by(Qpv.name)).all(),
        "all_themes": db.session.scalars(select(Theme).order_by(Theme.position)).all(),
        "kinds": [(k, KIND_LABELS[k]) for k in GEOMETRY_KINDS],
        "phase_rows": PHASE_ROWS,
        "status_labels": editing.STATUS_LABELS,
    }


@bp.get("")
def index():
    """The consultations this person may edit (all of them for admins)."""
    session[LEAD_FLAG] = staff.leads_any(current_user)
    if not session[LEAD_FLAG]:
        raise Forbidden(_("Réservé aux administrateurs et aux chefs de projet."))
    query = (
        select(Consultation)
        .where(in_territory(Consultation.territory))
        .order_by(Consultation.created_at.desc())
    )
    rows = [c for c in db.session.scalars(query) if staff.may(current_user, "edit", c.id)]
    return render_template("consultations/admin/index.html", consultations=rows)


@bp.post("/apercu-perimetre")
def preview_perimeter():
    """JSON: the perimeter (and its buffer) the form's choice would give; nothing is written."""
    from app.consultations.preview import preview_perimeter as preview

    return jsonify(preview(current_user, perimeter_from_form(request.form, request.files)))


def _draw_settings(consultation):
    """Where the drawing map opens, and its tiles (none in tests)."""
    from flask import current_app

    from app.territory.queries import territory_bounds

    bounds = queries.consultation_extent(consultation.id) if consultation is not None else None
    return {
        "bounds": bounds or territory_bounds(),
        "tiles": current_app.config.get("MAP_TILES_URL") or "",
        "attribution": current_app.config.get("MAP_TILES_ATTRIBUTION") or "",
    }


def _render_form(consultation, form, errors=None, message=None, status=200):
    from app.consultations.views import perimeter_map

    return (
        render_template(
            "consultations/admin/form.html",
            consultation=consultation,
            form=form,
            errors=errors or {},
            message=message,
            map_parts=perimeter_map(consultation) if consultation is not None else None,
            draw=_draw_settings(consultation),
            **_choices(),
        ),
        status,
    )


@bp.route("/nouvelle", methods=["GET", "POST"])
def new():
    if not staff.leads_any(current_user):
        raise Forbidden(_("Seuls les administrateurs et les chefs de projet ouvrent une concertation."))
    if request.method == "GET":
        return _render_form(None, blank_form())
    try:
        with db.session.begin_nested():
            consultation = editing.create_from_backoffice(
                current_user, data_from_form(request.form, request.files)
            )
    except AppError as error:
        return _render_form(None, _resubmitted(), error.fields, error.message, error.status)
    flash(_("Concertation « %(title)s » créée.", title=consultation.title), "success")
    return redirect(url_for("consultation_admin.edit", slug=consultation.slug))


def _resubmitted():
    form = request.form.to_dict()
    for name in ("qpv_codes", "themes", "geometry_kinds"):
        form[name] = request.form.getlist(name)
    return form


@bp.route("/<slug>", methods=["GET", "POST"])
def edit(slug):
    consultation = queries.get_consultation(slug)
    editing.check_can_edit(current_user, consultation)
    if request.method == "GET":
        landmarks = queries.landmarks(consultation.id)
        return _render_form(consultation, form_from_consultation(consultation, landmarks))
    try:
        with db.session.begin_nested():
            editing.update_from_backoffice(
                current_user, consultation, data_from_form(request.form, request.files)
            )
    except AppError as error:
        db.session.expire_all()
        return _render_form(consultation, _resubmitted(), error.fields, error.message, error.status)
    flash(_("Concertation enregistrée."), "success")
    return redirect(url_for("consultation_admin.edit", slug=consultation.slug))


@bp.post("/<slug>/phase-suivante")
def next_phase(slug):
    consultation = queries.get_consultation(slug)
    try:
        with db.session.begin_nested():
            phase = advance_phase(current_user, consultation)
    except AppError as error:
        if error.status == 403:
            raise
        flash(error.message, "error")
        return redirect(url_for("consultation_admin.edit", slug=slug))
    flash(f"Phase « {phase.name} » ouverte.", "success")
    return redirect(url_for("consultation_admin.edit", slug=slug))


@bp.post("/<slug>/actualites")
def post_news(slug):
    consultation = queries.get_consultation(slug)
    editing.check_can_edit(current_user, consultation)
    photo = request.files.get("photo")
    try:
        with db.session.begin_nested():
            news.post_news(
                current_user,
                consultation,
                request.form.get("news_title", ""),
                request.form.get("news_body", ""),
                photo if photo is not None and photo.filename else None,
            )
    except AppError as error:
        flash(error.message, "error")
        return redirect(url_for("consultation_admin.edit", slug=slug) + "#actualites")
    flash(_("Actualité publiée."), "success")
    return redirect(url_for("consultation_admin.edit", slug=slug) + "#actualites")


@bp.route("/<slug>/equipe", methods=["GET", "POST"])
def team(slug):
    consultation = queries.get_consultation(slug)
    staff.check_admin(current_user)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            with db.session.begin_nested():
                user = staff.find_user(request.form.get("user"))
                staff.assign_staff(current_user, consultation, user, request.form.get("role", ""))
        except AppError as error:
            errors, status = error.fields or {"user": [error.message]}, error.status
        else:
            label = STAFF_ROLE_LABELS[request.form["role"]]
            flash(
                _(
                    "%(pseudonym)s est maintenant %(role)s de cette concertation.",
                    pseudonym=user.pseudonym,
                    role=label.lower(),
                ),
                "success",
            )
            return redirect(url_for("consultation_admin.team", slug=slug))
    page = render_template(
        "consultations/admin/team.html",
        consultation=consultation,
        assignments=staff.list_staff(consultation.id),
        roles=[(r, STAFF_ROLE_LABELS[r]) for r in STAFF_ROLES],
        errors=errors,
        form=request.form,
    )
    return page, status


@bp.post("/<slug>/equipe/<int:assignment_id>/retirer")
def unassign(slug, assignment_id):
    consultation = queries.get_consultation(slug)
    staff.unassign_staff(current_user, consultation, assignment_id)
    flash(_("Affectation retirée."), "success")
    return redirect(url_for("consultation_admin.team", slug=slug))
