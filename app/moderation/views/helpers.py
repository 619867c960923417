"""Small helpers of the back-office views: query strings, redirects, form errors."""

from functools import wraps
from urllib.parse import urlsplit

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from app.consultations.staff import check, check_everywhere, refused_message
from app.errors import AppError, Forbidden, Invalid
from app.extensions import db


def load_args(schema):
    """The query string loaded by a marshmallow schema (empty values ignored), or Invalid."""
    data = {key: value for key, value in request.args.items() if value.strip() != ""}
    try:
        return schema().load(data)
    except ValidationError as error:
        raise Invalid(_("Filtres invalides."), fields=error.messages) from error


def next_url(default):
    """The form's `next` when it is a back-office path, else `default`."""
    target = request.form.get("next") or request.args.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/moderation") and not parts.netloc and not parts.scheme:
        return target
    return default


def form_action(default_endpoint):
    """POST view decorator: on a typed error, roll back, flash the French message, go back."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except AppError as error:
                db.session.rollback()
                details = " ".join(
                    " ".join(v) if isinstance(v, list) else str(v) for v in (error.fields or {}).values()
                )
                flash(f"{error.message} {details}".strip(), "error")
                return redirect(next_url(url_for(default_endpoint, **kwargs)))

        return wrapped

    return decorator


def admin_only(view):
    """View decorator (outside `form_action`): 403 unless the signed-in user is an admin."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.role != "admin":
            raise Forbidden(_("Réservé aux administrateurs."))
        return view(*args, **kwargs)

    return wrapped


def platform_moderators_only(view):
    """View decorator (outside `form_action`): accounts and sanctions are platform-wide (a moderator
    assigned to one consultation only moderates its contributions and comments)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        check_everywhere(current_user, "moderate", _("Réservé aux modérateurs de toute la plateforme."))
        return view(*args, **kwargs)

    return wrapped


def check_moderates(consultation_id):
    """Forbidden unless the signed-in user moderates this consultation."""
    check(current_user, "moderate", consultation_id)


def form_int(name):
    """An integer form field, None when empty, Invalid when not a number."""
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as error:
        raise Invalid(fields={name: [_("Nombre attendu.")]}) from error


def me():
    """The signed-in user object (not the proxy), for the services."""
    return current_user._get_current_object()


def moderated_consultation(consultations, slug):
    """The consultation of `slug` among those the moderator sees; NotFound when unknown, Forbidden
    when it exists but is not theirs (one more statement, on that path only)."""
    consultation = next((c for c in consultations if c["slug"] == slug), None)
    if slug and consultation is None:
        from app.consultations.queries import get_consultation

        get_consultation(slug)  # NotFound when it does not exist
        raise Forbidden(refused_message("moderate"))
    return consultation


def moderates(kind):
    """View decorator (outside `form_action`): 404 for an unknown contribution or comment, 403 when the
    signed-in user does not moderate its consultation (before anything is parsed or written)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from app.moderation.queries import consultation_of

            check_moderates(consultation_of(kind, kwargs[f"{kind}_id"]))
            return view(*args, **kwargs)

        return wrapped

    return decorator


UNDO_KEY = "moderation_undo"


def offer_undo(label):
    """After a decision: the next page shows a dismissible notice offering to undo it for a few minutes."""
    from app.consultations.models import utcnow
    from app.moderation.services import UNDOABLE, undo_delay
    from app.moderation.services.audit import recorded_in_request

    ids = [entry_id for entry_id, action in recorded_in_request() if action in UNDOABLE]
    if ids:
        until = utcnow() + undo_delay()
        session[UNDO_KEY] = {"ids": ids, "label": str(label), "until": until.isoformat()}


def take_undo_notice():
    """The undo notice to show once (None when there is none or its delay has passed)."""
    from datetime import datetime

    from app.consultations.models import utcnow

    notice = session.pop(UNDO_KEY, None) if UNDO_KEY in session else None
    if notice is None or datetime.fromisoformat(notice["until"]) <= utcnow():
        return None
    return notice
