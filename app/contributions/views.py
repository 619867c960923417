"""Resident pages: the map, the accessible list, the form, a contribution (votes, comments)."""

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import idempotency, keyset
from app.contributions import media as media_files
from app.contributions import queries, services
from app.contributions.api import published_consultation
from app.contributions.limits import comment_limit, contribution_limit, vote_limit
from app.contributions.listing import MAX_COMPAT_PAGE
from app.contributions.mapping import build_map, map_config
from app.contributions.models import OUTCOME_LABELS
from app.contributions.photos import PhotosBusy
from app.errors import AppError, Invalid, Unauthorized, render_error
from app.extensions import db
from app.maps.builders import map_html_parts
from app.shared_pages import shared_page
from app.templating import url_if

bp = Blueprint("contributions", __name__)
FALLBACK_FLAG_REASONS = {
    "insulte": _l("Propos injurieux, haineux ou discriminatoires"),
    "donnees_personnelles": _l("Données personnelles (nom, adresse, photo d'une personne…)"),
    "spam": _l("Publicité ou spam"),
    "hors_sujet": _l("Hors sujet"),
    "autre": _l("Autre raison"),
}


@bp.get("/media/<path:path>")
def media(path):
    """Uploaded photos (re-encoded JPEG, no metadata), as far as their contribution is visible."""
    return media_files.serve(path)


@bp.app_errorhandler(PhotosBusy)
def photos_busy(error):
    """Too many images in work in this process: 503 with Retry-After (nothing was written)."""
    return render_error(
        error.status, error.code, error.message, headers={"Retry-After": str(error.retry_after)}
    )


def _login_redirect():
    login = url_if("accounts.login", next=request.full_path.rstrip("?"))
    if login is None:
        raise Unauthorized()
    return redirect(login)


@bp.get("/consultations/<slug>/carte")
def consultation_map(slug):
    consultation = published_consultation(slug)
    focus = request.args.get("idee", type=int)
    return render_template(
        "contributions/map.html",
        consultation=consultation,
        map_parts=map_html_parts(build_map(consultation)),
        config=map_config(consultation, focus),
        outcomes=OUTCOME_LABELS,
        form={},
        errors={},
    )


def _list_args(consultation):
    args = request.args
    themes = {t.slug for t in consultation.themes}
    qpvs = {q.code for q in consultation.qpvs}
    return {
        "theme": args.get("theme") if args.get("theme") in themes else None,
        "qpv": args.get("qpv") if args.get("qpv") in qpvs else None,
        "outcome": args.get("outcome") if args.get("outcome") in {*OUTCOME_LABELS, "sans_reponse"} else None,
        "sort": args.get("sort") if args.get("sort") in queries.SORTS else "recent",
        "q": (args.get("q") or "").strip()[:100] or None,
        "page": max(1, min(args.get("page", 1, type=int) or 1, MAX_COMPAT_PAGE)),
        "cursor": (args.get("apres") or "")[: keyset.CURSOR_MAX] or None,
        "before": (args.get("avant") or "")[: keyset.CURSOR_MAX] or None,
    }


@bp.get("/consultations/<slug>/idees")
@shared_page
def consultation_list(slug):
    consultation = published_consultation(slug)
    filters = _list_args(consultation)
    try:
        page = queries.list_contributions(consultation, current_user, **filters)
    except Invalid as error:  # a damaged or outdated cursor: the first page, and why
        flash(error.message, "error")
        filters.update(cursor=None, before=None, page=1)
        page = queries.list_contributions(consultation, current_user, **filters)
    return render_template(
        "contributions/list.html",
        consultation=consultation,
        page=page,
        filters=filters,
        sorts=queries.SORTS,
        outcomes=OUTCOME_LABELS,
    )


@bp.route("/consultations/<slug>/proposer", methods=["GET", "POST"])
@contribution_limit
def new(slug):
    """The form (fallback without the map script) and its POST, also used by the map script (JSON)."""
    consultation = published_consultation(slug, light=request.method == "POST")
    if not current_user.is_authenticated:
        return _login_redirect()
    form = request.form if request.method == "POST" else request.args
    if request.method == "GET":
        return _render_form(consultation, form, {})
    # The map script sends each idea with an Idempotency-Key, kept with the draft on the phone and sent
    # again after a lost network or a reload: a retry gets the first answer, never a second idea.
    key = idempotency.request_key()
    scope = f"contribution:{consultation.id}:user:{current_user.id}"
    replay = idempotency.begin(scope, key, _request_fingerprint(form)) if key else None
    if replay is not None:
        return replay
    try:
        services.check_can_participate(current_user)
        contribution = services.create_contribution(
            current_user,
            consultation,
            _form_geometry(form),
            form.get("theme", ""),
            form.get("title", ""),
            form.get("body", ""),
            photos=[f for f in request.files.getlist("photos") if f],
        )
    except Invalid as error:
        if _wants_json():
            raise
        return _render_form(consultation, form, error.fields, error.message), 422
    item = queries.contribution_detail(contribution.id, current_user)
    if _wants_json() or key:
        answer = _json_item(item)
        idempotency.finish(scope, key, 201, answer)
        return jsonify(answer), 201
    flash(_thanks(item), "success")
    return redirect(item["url"])


def _request_fingerprint(form):
    """What a retried request must repeat: the fields (not the per-page CSRF token) and each photo's bytes."""
    import hashlib

    fields = {name: values for name, values in form.to_dict(flat=False).items() if name != "csrf_token"}
    photos = []
    for upload in request.files.getlist("photos"):
        digest = hashlib.sha256()
        for chunk in iter(lambda stream=upload.stream: stream.read(1 << 16), b""):
            digest.update(chunk)
        upload.stream.seek(0)
        photos.append(digest.hexdigest())
    return {"fields": fields, "photos": photos}


def _wants_json():
    return request.accept_mimetypes.best == "application/json"


def _json_item(item):
    from app.contributions.schemas import ContributionSchema

    return ContributionSchema().dump(item)


def _thanks(item):
    if item["status"] == "pending":
        return _("Merci ! Votre idée est enregistrée : elle sera visible par tous après validation.")
    return _("Merci ! Votre idée est publiée sur la carte.")


def _form_geometry(form):
    """A GeoJSON point from the lon/lat fields (the crosshair), or the raw `geometry` JSON field."""
    import json

    if form.get("geometry"):
        try:
            return json.loads(form["geometry"])
        except ValueError:
            return form["geometry"]
    try:
        return {"type": "Point", "coordinates": [float(form.get("lon", "")), float(form.get("lat", ""))]}
    except ValueError:
        return {"type": "Point", "coordinates": None}


def _render_form(consultation, form, errors, message=None):
    from app.consultations.queries import landmarks

    lonlat = _lonlat(form)
    return render_template(
        "contributions/new.html",
        consultation=consultation,
        form=form,
        errors=errors,
        message=message,
        has_place=lonlat is not None,
        place_inside=lonlat is not None and services.point_inside(consultation, *lonlat),
        landmarks=landmarks(consultation.id) if lonlat is None else [],
    )


def _lonlat(form):
    try:
        lon, lat = float(form.get("lon", "")), float(form.get("lat", ""))
    except ValueError:
        return None
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None


@bp.get("/idees/<int:contribution_id>")
@shared_page
def detail(contribution_id):
    item = queries.contribution_detail(contribution_id, current_user)
    if item["status"] == "merged" and item["merged_into"]:
        return redirect(url_for("contributions.detail", contribution_id=item["merged_into"]), 301)
    consultation = published_consultation(item["consultation"], light=True)  # its slug and phases only
    comments = queries.list_comments(contribution_id) if item["status"] == "published" else []
    return render_template(
        "contributions/detail.html",
        item=item,
        consultation=consultation,
        comments=comments,
        flag_reasons=flag_reasons(),
    )


def flag_reasons():
    """The moderation feature's flag reasons (codes accepted by POST …/flags)."""
    try:
        from app.moderation.services import FLAG_REASONS
    except ImportError:
        return FALLBACK_FLAG_REASONS
    return FLAG_REASONS


@bp.post("/idees/<int:contribution_id>/vote")
@vote_limit
def vote(contribution_id):
    """Vote form (works without JavaScript): value 1, -1, or 0 to retract."""
    if not current_user.is_authenticated:
        return _login_redirect()
    contribution = queries.get_contribution(contribution_id, current_user)
    value = request.form.get("value", type=int)
    try:
        if value == 0:
            services.retract_vote(current_user, contribution)
            flash(_("Votre vote est retiré."), "success")
        else:
            services.cast_vote(current_user, contribution, value)
            flash(_("Votre vote est enregistré."), "success")
    except AppError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("contributions.detail", contribution_id=contribution_id) + "#votes")


@bp.post("/idees/<int:contribution_id>/commentaires")
@comment_limit
def comment(contribution_id):
    """Comment form (and reply form with parent_id)."""
    if not current_user.is_authenticated:
        return _login_redirect()
    contribution = queries.get_contribution(contribution_id, current_user)
    anchor = "#commentaires"
    try:
        parent_id = request.form.get("parent_id", type=int)
        parent = queries.get_comment(parent_id, contribution.id) if parent_id else None
        comment = services.add_comment(
            current_user, contribution, request.form.get("body", ""), parent=parent
        )
        anchor = f"#commentaire-{comment.id}"
        flash(_("Merci, votre commentaire est publié."), "success")
    except AppError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("contributions.detail", contribution_id=contribution_id) + anchor)
