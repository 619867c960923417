"""Rate limits (per account, else per address) and the sign-in guard of the write endpoints."""

from functools import wraps

from flask import request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.accounts.auth import require_login
from app.extensions import limiter


def rate_key():
    """One bucket per signed-in account (people share addresses on mobile networks), else per IP."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


# Shared by the JSON API and the HTML forms: the same person has one budget.
contribution_limit = limiter.shared_limit(
    "20 per hour", scope="contribution-create", key_func=rate_key, methods=["POST"]
)
vote_limit = limiter.shared_limit(
    "60 per minute", scope="contribution-vote", key_func=rate_key, methods=["POST", "DELETE"]
)
comment_limit = limiter.shared_limit(
    "20 per 10 minutes", scope="contribution-comment", key_func=rate_key, methods=["POST"]
)


def login_first(view):
    """401 before anything else (validation included) when nobody is signed in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        require_login()
        return view(*args, **kwargs)

    return wrapped


def unauthenticated_api_writes():
    """before_request hook registered ahead of the CSRF check: an anonymous API write is a 401
    (« connectez-vous »), not a missing CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.blueprint != "contributions_api":
        return
    if (
        not request.headers.get("Authorization", "").startswith("Bearer ")
        and not current_user.is_authenticated
    ):
        require_login()
