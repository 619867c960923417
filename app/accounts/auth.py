"""Authentication (session cookie or personal API token) and role checks."""

import re
import secrets
from datetime import timedelta
from functools import cache, wraps

from flask import current_app, g, has_request_context, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload

from app.accounts.models import ApiToken, User
from app.consultations.models import utcnow
from app.dbpool import RawStatement, entity_columns, prepared
from app.errors import Forbidden, Unauthorized, wants_json
from app.extensions import db, login_manager

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
DEFAULT_TOKEN_DAYS = 90
TOKEN_USER_KEY = "cartecommune.token_user_id"


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
    user = verify_token(header[len("Bearer ") :].strip())
    if user is not None:
        # This request is authenticated by the token, not by a session (kept on the request, not on
        # `g`, which a test client's requests share).
        req.environ[TOKEN_USER_KEY] = user.id
    return user


@cache
def _token_statements():
    """(the token with its account, the live token's account and the stamp): by digest; built once, at
    the first call once every model is mapped (building the ORM statement cost more than running it)."""
    digest = bindparam("digest")
    live = (ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None), ApiToken.expires_at > func.now())
    # The « last used » stamp is written by a CTE at most once per TOKEN_TOUCH_INTERVAL, for a live token.
    touch = (
        update(ApiToken)
        .where(
            *live,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < func.now() - TOKEN_TOUCH_INTERVAL),
        )
        .values(last_used_at=func.now())
        .returning(ApiToken.id)
        .cte("touched")
    )
    read = select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == digest)
    # On the primary only the account is loaded (one object): the token's checks are in the statement.
    account = (
        select(*entity_columns(User)).join(ApiToken, ApiToken.user_id == User.id).where(*live).add_cte(touch)
    )
    return prepared(read), RawStatement(account)


def verify_token(raw):
    """The live user a raw personal API token belongs to, or None (unknown, revoked, expired)."""
    if not raw:
        return None
    # Account and the throttled « last used » stamp in one statement (every API call). A read served
    # by the standby cannot write there: the token is read too and its stamp flushed to the primary.
    read, account = _token_statements()
    params = {"digest": ApiToken.hash(raw)}
    if has_request_context() and g.get("read_replica"):
        token, now = db.session.scalar(read, params), utcnow()
        if token is None or not token.is_valid(now):
            return None
        if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
            token.last_used_at = now
        user = token.user
    else:
        user = account.entity(db.session, User, params)
    if user is None or user.deleted_at is not None or user.banned_at is not None:
        return None
    return user


def authenticated_by_token():
    """True when a valid API token of the request's user comes with the request.

    A session cookie loads the user first (the token is then not looked at): the token is checked
    here, so that a bogus token, or somebody else's, beside a session cookie does not skip CSRF."""
    if not current_user.is_authenticated:
        return False
    if TOKEN_USER_KEY not in request.environ:
        header = request.headers.get("Authorization", "")
        user = verify_token(header[len("Bearer ") :].strip()) if header.startswith("Bearer ") else None
        request.environ[TOKEN_USER_KEY] = user.id if user is not None else None
    return request.environ[TOKEN_USER_KEY] == current_user.id


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
    return verify_token(credentials.password)


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        raise Unauthorized()
    return redirect(url_for("accounts.login", next=request.full_path))


def issue_token(user, name="jeton personnel"):
    """Create a personal API token; returns the raw token (shown once, stored hashed)."""
    raw = "cc_" + secrets.token_urlsafe(32)
    now = utcnow()
    days = current_app.config.get("API_TOKEN_DAYS", DEFAULT_TOKEN_DAYS)
    token = ApiToken(
        user_id=user.id,
        token_hash=ApiToken.hash(raw),
        name=name,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
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
