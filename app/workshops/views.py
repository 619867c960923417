"""HTML pages of workshops: list, creation, follow-up, facilitator entry screen, paper tallies."""

import folium
from branca.element import MacroElement
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import Template
from marshmallow import ValidationError

from app.accounts.auth import roles_required
from app.consultations import queries as consultation_queries
from app.errors import Invalid, NotFound
from app.extensions import db
from app.maps.builders import base_map, map_html_parts
from app.workshops import kiosk as kiosk_services
from app.workshops import queries, services
from app.workshops.models import Kiosk
from app.workshops.schemas import WorkshopCreateSchema, WorkshopUpdateSchema
from app.workshops.services import CATEGORY_LABELS, DEMOGRAPHIC_GROUPS, DEMOGRAPHIC_LABELS

bp = Blueprint("workshops", __name__, url_prefix="/ateliers")
STAFF = ("facilitator", "moderator")


class ExposeMap(MacroElement):
    """Hands the Leaflet map to our own scripts (window.carteCommune.map) once it exists."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "window.carteCommune = window.carteCommune || {};"
        "window.carteCommune.map = {{ this._parent.get_name() }};"
        "{% endmacro %}"
    )


def consultation_map(consultation):
    """A folium map of a consultation's perimeter, exposed to our scripts."""
    perimeter, _buffer, extent = consultation_queries.perimeter_shapes(consultation.id)
    fmap = base_map(bounds=extent)
    folium.GeoJson(
        perimeter,
        name=_("Périmètre"),
        style_function=lambda f: {"color": "#1d4e89", "weight": 3, "fillOpacity": 0.06, "dashArray": "6 4"},
        interactive=False,
    ).add_to(fmap)
    fmap.add_child(ExposeMap())
    return map_html_parts(fmap)


@bp.get("")
@roles_required(*STAFF)
def index():
    workshops = queries.list_for_user(current_user)
    return render_template("workshops/index.html", workshops=workshops)


def _form_data(form, schema):
    """A create/update form as a schema body: empty fields dropped, demographics gathered."""
    data = {k: v for k, v in form.items() if v.strip() and k in schema.fields and k != "demographics"}
    if "facilitators" in data:
        data["facilitators"] = [
            e.strip() for e in data["facilitators"].replace(";", ",").split(",") if e.strip()
        ]
    demographics = {}
    for group, categories in DEMOGRAPHIC_GROUPS.items():
        counts = {c: form.get(f"demo-{group}-{c}", "").strip() for c in categories}
        if any(counts.values()):
            try:
                demographics[group] = {c: int(v) for c, v in counts.items() if v}
            except ValueError as error:
                raise Invalid(
                    fields={"demographics": [_("Les effectifs sont des nombres entiers.")]}
                ) from error
    if demographics or "participants_count" in data:
        data["demographics"] = demographics
    try:
        return schema.load(data)
    except ValidationError as error:
        raise Invalid(fields=error.messages) from error


@bp.route("/nouveau", methods=["GET", "POST"])
@roles_required(*STAFF)
def new():
    consultations = consultation_queries.list_consultations()
    if request.method == "POST":
        try:
            args = _form_data(request.form, WorkshopCreateSchema())
            consultation = consultation_queries.get_consultation(args.pop("consultation"))
            details = _details(args)
            workshop = services.create_workshop(
                current_user, consultation, details.pop("starts_at"), details.pop("place_name"), **details
            )
        except Invalid as error:
            return render_template(
                "workshops/new.html", consultations=consultations, form=request.form, errors=error.fields
            ), 422
        flash(_("Atelier créé."), "success")
        return redirect(url_for("workshops.show", workshop_id=workshop.id))
    selected = request.args.get("consultation", "")
    return render_template(
        "workshops/new.html", consultations=consultations, form={"consultation": selected}, errors={}
    )


def _details(args):
    renames = {"date": "starts_at", "place": "place_name", "facilitators": "facilitator_emails"}
    return {renames.get(key, key): value for key, value in args.items()}


@bp.get("/<int:workshop_id>")
def show(workshop_id):
    return _render_show(queries.get_workshop(workshop_id))


def _render_show(workshop, errors=None, form=None, status=200):
    manage = queries.can_manage(current_user, workshop)
    context = {"workshop": workshop, "manage": manage, "stats": queries.workshop_stats(workshop.id)}
    context["demographic_groups"] = DEMOGRAPHIC_GROUPS
    context["demographic_labels"] = DEMOGRAPHIC_LABELS
    context["category_labels"] = CATEGORY_LABELS
    if queries.can_see_participants(current_user, workshop):
        context["participants"] = queries.participants(workshop.id)
    if manage:
        context["tallies"] = [(t, c, queries.contribution_number(c)) for t, c in queries.tallies(workshop.id)]
        context["kiosks"] = queries.open_kiosks(workshop.consultation_id)
    return render_template("workshops/show.html", **context, errors=errors or {}, form=form), status


@bp.post("/<int:workshop_id>")
@roles_required(*STAFF)
def update(workshop_id):
    workshop = queries.get_workshop(workshop_id)
    queries.check_can_manage(current_user, workshop)
    try:
        with db.session.begin_nested():
            args = _form_data(request.form, WorkshopUpdateSchema())
            services.update_workshop(current_user, workshop, **_details(args))
    except Invalid as error:
        db.session.refresh(workshop)
        return _render_show(
            workshop, errors=error.fields or {"form": [error.message]}, form=request.form, status=422
        )
    flash(_("Atelier mis à jour."), "success")
    return redirect(url_for("workshops.show", workshop_id=workshop.id))


@bp.post("/<int:workshop_id>/comptages")
@roles_required(*STAFF)
def tally(workshop_id):
    workshop = queries.get_workshop(workshop_id)
    queries.check_can_manage(current_user, workshop)
    try:
        number = int(request.form.get("number", ""))
        counts = [int(request.form.get(name) or 0) for name in ("agree", "disagree", "comments")]
    except ValueError as error:
        raise Invalid(_("Numéro et effectifs : des nombres entiers.")) from error
    contribution = queries.contribution_by_number(workshop.consultation_id, number)
    services.record_tally(current_user, workshop, contribution, *counts)
    flash(_("Comptage enregistré pour la contribution n° %(number)s.", number=number), "success")
    return redirect(url_for("workshops.show", workshop_id=workshop.id) + "#comptages")


@bp.post("/<int:workshop_id>/participants/<int:participant_id>/effacer")
@roles_required(*STAFF)
def erase_participant(workshop_id, participant_id):
    workshop = queries.get_workshop(workshop_id)
    services.erase_participant(current_user, workshop, participant_id)
    flash(_("Prénom et contact effacés."), "success")
    return redirect(url_for("workshops.show", workshop_id=workshop.id) + "#participants")


@bp.get("/<int:workshop_id>/saisie")
@roles_required(*STAFF)
def entry(workshop_id):
    """The facilitator's fast entry screen: the map with the grid, a form that stays open."""
    workshop = queries.get_workshop(workshop_id)
    queries.check_can_manage(current_user, workshop)
    consultation = workshop.consultation
    grid = queries.consultation_grid(consultation.id)
    return render_template(
        "workshops/entry.html",
        workshop=workshop,
        consultation=consultation,
        map_parts=consultation_map(consultation),
        grid=grid,
        grid_cells=queries.grid_cells_geojson(grid, consultation.id),
        stats=queries.workshop_stats(workshop.id),
    )


@bp.post("/bornes/<int:kiosk_id>/fermer")
@roles_required(*STAFF)
def close_kiosk(kiosk_id):
    kiosk = db.session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFound(_("Cette borne n'existe pas."))
    kiosk_services.close_kiosk_remotely(current_user, kiosk)
    flash(_("Borne « %(name)s » fermée.", name=kiosk.name), "success")
    target = request.form.get("next", "")
    safe = target.startswith("/") and not target.startswith("//")
    return redirect(target if safe else url_for("workshops.index"))
