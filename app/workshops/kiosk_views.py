"""Kiosk pages (/borne): opening on the tablet, the locked account-free flow, closing with the code."""

import hashlib

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app import idempotency
from app.accounts.auth import roles_required
from app.consultations import queries as consultation_queries
from app.contributions.models import API_SOURCES
from app.errors import Forbidden, Invalid
from app.extensions import limiter
from app.workshops import kiosk as services
from app.workshops import queries
from app.workshops.kiosk import COOKIE_NAME
from app.workshops.views import consultation_map

bp = Blueprint("kiosk", __name__, url_prefix="/borne")
COOKIE_MAX_AGE = 180 * 24 * 3600
# While a tablet is a kiosk, only these paths answer; everything else leads back to the kiosk.
KIOSK_PATHS = ("/borne", "/static/", "/vendor/", "/media/", "/healthz", "/api/consultations/", "/sw.js")
DEFAULT_RATE_LIMIT = "20 per 10 minutes"


def current_kiosk():
    """The open kiosk of this tablet (device cookie), memoised on the request (not on `g`)."""
    if not hasattr(request, "_cc_kiosk"):
        request._cc_kiosk = services.kiosk_for_device(request.cookies.get(COOKIE_NAME))
    return request._cc_kiosk


def lock_to_kiosk():
    """before_request: a kiosk tablet cannot leave the kiosk flow (no account, no other page)."""
    if COOKIE_NAME not in request.cookies or request.path.startswith(KIOSK_PATHS):
        return None
    if current_kiosk() is None:
        return None
    return redirect(url_for("kiosk.home"))


def device_rate_key():
    """Flask-Limiter key: the device token (hashed), so each tablet has its own budget."""
    raw = request.cookies.get(COOKIE_NAME) or ""
    return "kiosk:" + hashlib.sha256(raw.encode()).hexdigest()


def kiosk_rate_limit():
    return current_app.config.get("KIOSK_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def _require_kiosk():
    kiosk = current_kiosk()
    if kiosk is None:
        raise Forbidden(_("Cette tablette n'est pas une borne ouverte."))
    return kiosk


@bp.route("/ouvrir", methods=["GET", "POST"])
@roles_required("facilitator", "moderator")
def open_kiosk():
    """Open a kiosk on this tablet: the facilitator's session ends here, the device cookie stays."""
    consultations = consultation_queries.list_consultations(only_open=True)
    workshops = queries.list_for_user(current_user)
    form = request.form if request.method == "POST" else {"idle_reset_seconds": "90", **request.args}
    if request.method == "GET":
        return render_template(
            "workshops/kiosk_open.html",
            consultations=consultations,
            workshops=workshops,
            form=form,
            errors={},
        )
    try:
        kiosk, raw = _open_from_form(request.form)
    except Invalid as error:
        return render_template(
            "workshops/kiosk_open.html",
            consultations=consultations,
            workshops=workshops,
            form=form,
            errors=error.fields or {"form": [error.message]},
        ), 422
    logout_user()
    response = make_response(redirect(url_for("kiosk.home")))
    response.set_cookie(
        COOKIE_NAME,
        raw,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
        path="/",
    )
    return response


def _open_from_form(form):
    if form.get("code", "") != form.get("code_confirm", ""):
        raise Invalid(fields={"code_confirm": [_("Les deux codes ne sont pas identiques.")]})
    consultation = consultation_queries.get_consultation(form.get("consultation", ""))
    workshop = None
    if form.get("workshop"):
        workshop = queries.get_workshop(int(form["workshop"]) if form["workshop"].isdigit() else 0)
    try:
        idle = int(form.get("idle_reset_seconds") or 90)
    except ValueError:
        idle = -1
    return services.open_kiosk(
        current_user, consultation, form.get("name", ""), form.get("code", ""), idle, workshop=workshop
    )


@bp.get("")
def home():
    """The kiosk flow itself (locked, account-free), or a notice when this tablet is no kiosk."""
    kiosk = current_kiosk()
    if kiosk is None:
        response = make_response(render_template("workshops/kiosk_none.html"), 404)
        if COOKIE_NAME in request.cookies:
            response.delete_cookie(COOKIE_NAME, path="/")
        return response
    consultation = kiosk.consultation
    return render_template(
        "workshops/kiosk.html",
        kiosk=kiosk,
        consultation=consultation,
        map_parts=consultation_map(consultation),
        bounds=consultation_queries.consultation_extent(consultation.id),
        draft=services.load_draft(kiosk) or {},
    )


@bp.route("/brouillon", methods=["GET", "POST"])
def draft():
    """GET: the current draft (empty once forgotten); POST: keep the draft a little longer."""
    kiosk = _require_kiosk()
    if request.method == "POST":
        services.save_draft(kiosk, request.get_json(silent=True) or {})
        return jsonify({"saved": True, "expires_in": kiosk.idle_reset_seconds})
    return jsonify({"draft": services.load_draft(kiosk)})


@bp.post("/reinitialiser")
def reset():
    """The tablet was left alone (or the participant gave up): forget the draft."""
    services.reset_draft(_require_kiosk())
    return jsonify({"reset": True})


@bp.post("/contributions")
@limiter.limit(kiosk_rate_limit, key_func=device_rate_key)
def contribute():
    """A participant's idea from the kiosk: pre-moderated, source « kiosk »."""
    kiosk = _require_kiosk()
    form = request.form
    # An idea kept offline by the tablet is sent again with the same key until it is answered.
    key, scope = idempotency.request_key(), f"kiosk:{kiosk.id}"
    replay = idempotency.begin(scope, key, form.to_dict(flat=False))
    if replay is not None:
        return replay
    try:
        lon, lat = float(form.get("lon", "")), float(form.get("lat", ""))
    except ValueError:
        lon = lat = None
    photos = [f for f in request.files.getlist("photo") if f and f.filename]
    contribution = services.create_kiosk_contribution(
        kiosk, form.get("theme", ""), form.get("title", ""), form.get("body", ""), lon, lat, photos=photos
    )
    answer = {
        "id": contribution.id,
        "status": contribution.status,
        "source": API_SOURCES[contribution.source],
        "message": _("Merci ! Votre idée sera publiée sur la carte après relecture."),
    }
    idempotency.finish(scope, key, 201, answer)
    return jsonify(answer), 201


@bp.post("/fermer")
@limiter.limit("5 per minute", key_func=device_rate_key)
def close():
    """Close the kiosk with its code; the tablet is a normal browser again."""
    kiosk = _require_kiosk()
    services.close_kiosk(kiosk, request.form.get("code", ""))
    response = make_response(redirect(url_for("kiosk.closed")))
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@bp.get("/fermee")
def closed():
    return render_template("workshops/kiosk_closed.html")
