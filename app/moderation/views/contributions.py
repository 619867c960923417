"""One contribution in the back office: decisions, edit, merge, official answer."""

import json

import folium
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.contributions.models import OUTCOME_LABELS, SOURCE_LABELS, STATUS_LABELS
from app.errors import Invalid
from app.i18n import translated
from app.maps.builders import SafeGeoJsonTooltip, base_map, map_html_parts
from app.moderation import queries, services
from app.moderation.services.flags import FLAG_REASONS
from app.moderation.views import bp
from app.moderation.views.helpers import (
    check_moderates,
    form_action,
    form_int,
    me,
    moderates,
    next_url,
    offer_undo,
)

DONE = {
    "approve": _l("Contribution publiée."),
    "reject": _l("Contribution refusée."),
    "hide": _l("Contribution masquée."),
}
DONE["unhide"] = _l("Contribution de nouveau visible.")


@bp.get("/contributions/<int:contribution_id>")
def contribution(contribution_id):
    """Everything about one contribution, with the forms to act on it."""
    data = queries.contribution_detail(contribution_id)
    check_moderates(data["contribution"].consultation_id)
    latest = data["actions"][0] if data["actions"] else None
    undoable = latest if latest and services.is_undoable(latest["action"], latest["created_at"]) else None
    map_parts, map_names = _place_map(data.pop("perimeter"), data["place"], data["neighbours"])
    return render_template(
        "moderation/contribution.html",
        **data,
        map_parts=map_parts,
        map_names=map_names,
        status_labels=translated(STATUS_LABELS),
        source_labels=translated(SOURCE_LABELS),
        outcome_labels=OUTCOME_LABELS,
        flag_reasons=translated(FLAG_REASONS),
        undoable=undoable,
    )


def _place_map(perimeter, place, neighbours):
    # Street level around the contribution: is the place plausible? The dashed line is the perimeter + margin;
    # the grey dots are its nearest neighbours (duplicates, context), their titles as text tooltips.
    fmap = base_map(location=[place["lat"], place["lon"]], zoom_start=16)
    folium.GeoJson(
        perimeter,
        name=_("Périmètre + marge"),
        style_function=lambda f: {"color": "#1d4e89", "weight": 2, "fillOpacity": 0.05, "dashArray": "6 4"},
    ).add_to(fmap)
    if place["geometry_type"] != "POINT":
        folium.GeoJson(place["geometry"], name=_("Lieu")).add_to(fmap)
    if neighbours:
        _neighbours_layer(neighbours).add_to(fmap)
    marker = folium.CircleMarker(
        [place["lat"], place["lon"]], radius=9, color="#a4262c", fill=True, fill_opacity=0.8
    ).add_to(fmap)
    return map_html_parts(fmap), {"map": fmap.get_name(), "marker": marker.get_name()}


def _neighbours_layer(neighbours):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [n["lon"], n["lat"]]},
            "properties": {
                "titre": f"n° {n['id']} « {n['title']} »",
                "etat": f"{STATUS_LABELS[n['status']]} · {n['distance_m']} m",
            },
        }
        for n in neighbours
    ]
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=str(_("Idées voisines")),
        marker=folium.CircleMarker(radius=6, color="#555", weight=1, fill=True, fill_opacity=0.6),
        tooltip=SafeGeoJsonTooltip(fields=["titre", "etat"], labels=False),
    )


@bp.post("/contributions/<int:contribution_id>/decision")
@moderates("contribution")
@form_action("moderation.contribution")
def decision(contribution_id):
    """Approve, reject, hide or unhide from a form."""
    item = queries.get_contribution(contribution_id)
    action = request.form.get("action", "")
    reason = services.compose_reason(form_int("reason_id"), request.form.get("reason_text"))
    services.decide(me(), item, action, reason)
    flash(str(DONE.get(action, _("C'est fait."))), "success")
    offer_undo(_("Décision sur la contribution n° %(id)d.", id=contribution_id))
    return redirect(next_url(url_for("moderation.contribution", contribution_id=contribution_id)))


@bp.post("/contributions/<int:contribution_id>/vu")
@moderates("contribution")
@form_action("moderation.contribution")
def review(contribution_id):
    """« Vu, rien à signaler »: the idea leaves the « À relire » queue."""
    services.mark_reviewed(me(), queries.get_contribution(contribution_id))
    flash(_("Idée relue : rien à signaler."), "success")
    return redirect(next_url(url_for("moderation.contribution", contribution_id=contribution_id)))


@bp.post("/contributions/<int:contribution_id>/modifier")
@moderates("contribution")
@form_action("moderation.contribution")
def edit(contribution_id):
    """Correct the title, text, theme or place (the previous version is kept)."""
    item = queries.get_contribution(contribution_id)
    form = request.form
    geometry = None
    if form.get("geometry", "").strip():
        try:
            geometry = json.loads(form["geometry"])
        except ValueError as error:
            raise Invalid(_("GeoJSON illisible."), fields={"geometry": [_("GeoJSON invalide.")]}) from error
    elif form.get("lon") and form.get("lat"):
        geometry = services.point(form["lon"], form["lat"])
    services.edit_contribution(
        me(),
        item,
        title=form.get("title"),
        body=form.get("body"),
        theme_slug=form.get("theme_slug"),
        geometry=geometry,
        reason=form.get("reason"),
    )
    flash(_("Modification enregistrée ; la version précédente est conservée."), "success")
    return redirect(url_for("moderation.contribution", contribution_id=contribution_id))


@bp.post("/contributions/<int:contribution_id>/fusion")
@moderates("contribution")
@form_action("moderation.contribution")
def merge(contribution_id):
    """Merge this contribution into another one of the same consultation."""
    source = queries.get_contribution(contribution_id)
    into = form_int("into")
    if into is None:
        raise Invalid(
            _("Indiquez le numéro de la contribution à garder."), fields={"into": [_("Obligatoire.")]}
        )
    target = queries.get_contribution(into)
    services.merge(me(), source, target, request.form.get("reason"))
    kept = (
        _("votes et commentaires regroupés.")
        if source.status_before_merge == "published"
        else _("votes regroupés ; ses commentaires et photos restent masqués (elle n'était pas publiée).")
    )
    flash(_("Fusionnée dans la contribution n° %(id)s : %(kept)s", id=target.id, kept=kept), "success")
    return redirect(next_url(url_for("moderation.contribution", contribution_id=target.id)))


@bp.post("/contributions/<int:contribution_id>/reponse")
@moderates("contribution")
@form_action("moderation.contribution")
def answer(contribution_id):
    """Publish the official answer and outcome (author and voters are notified)."""
    item = queries.get_contribution(contribution_id)
    services.set_official_answer(me(), item, request.form.get("outcome"), request.form.get("official_answer"))
    flash(_("Réponse publiée : l'auteur et les votants vont être prévenus par e-mail."), "success")
    offer_undo(_("Réponse à la contribution n° %(id)d.", id=contribution_id))
    return redirect(url_for("moderation.contribution", contribution_id=contribution_id))
