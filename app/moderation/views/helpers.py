"""Small helpers of the back-office views: query strings, redirects, form errors."""

from functools import wraps
from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

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
