"""Authentication (session cookie or personal API token) and role checks."""

import re
import secrets
from datetime import timedelta
from functools import wraps

from flask import redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import ApiToken, User
from app.consultations.models import utcnow
from app.errors import Forbidden, Unauthorized, wants_json
from app.extensions import db, login_manager

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@login_manager.user_loader
def load_user(session_id):
    user_id, _, version = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or str(user.session_version) != version:
        return None
    if user.deleted_at is not None or user.banned_at is not None:
        return None
    return user


@login_manager.request_loader
def load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return user_from_basic_auth(req)
    raw = header[len("Bearer ") :].strip()
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(raw), ApiToken.revoked_at.is_(None))
    )
    if token is None or token.user.deleted_at is not None or token.user.banned_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        # Throttled so that scripts hammering the API do not write on every request.
        token.last_used_at = now
    return token.user


# QGIS offers Basic but no custom header: the token as password, read-only paths only (a browser
# that remembers Basic credentials resends them: nothing it can reach that way writes anything).
BASIC_AUTH_PATHS = re.compile(r"/ogc(/.*)?|/exports/\d+/fichier")


def user_from_basic_auth(req):
    """The token's user from HTTP Basic (any username, the token as password) on /ogc and downloads."""
    credentials = req.authorization
    if credentials is None or credentials.type != "basic" or not credentials.password:
        return None
    if req.method not in ("GET", "HEAD") or not BASIC_AUTH_PATHS.fullmatch(req.path):
        return None
    return load_user_from_token(_BearerView(req, credentials.password))


class _BearerView:
    """The request as the Bearer path reads it (only its Authorization header)."""

    def __init__(self, req, raw):
        self._req = req
        self.headers = {"Authorization": f"Bearer {raw}"}

    def __getattr__(self, name):
        return getattr(self._req, name)


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        raise Unauthorized()
    return redirect(url_for("accounts.login", next=request.full_path))


def issue_token(user, name="jeton personnel"):
    """Create a personal API token; returns the raw token (shown once, stored hashed)."""
    raw = "cc_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(raw), name=name, created_at=utcnow()))
    db.session.flush()
    return raw


def require_login():
    """Raise Unauthorized (401 JSON) unless someone is signed in; HTML views redirect instead."""
    if not current_user.is_authenticated:
        raise Unauthorized()
    return current_user


def roles_required(*roles):
    """View decorator: signed-in users with one of `roles` (admins always pass)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator
