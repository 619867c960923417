"""The session cookie, only when there is something to keep: answers that shared caches may store
(map tiles) carry neither a cookie nor `Vary: Cookie`."""

from flask import current_app, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf

SHARED = "carte_commune.shared_response"


def sign_in_cookie_sent():
    """Whether the request carries a session or remember-me cookie (someone may be signed in)."""
    config = current_app.config
    names = (
        config.get("SESSION_COOKIE_NAME", "session"),
        config.get("REMEMBER_COOKIE_NAME", "remember_token"),
    )
    return any(name in request.cookies for name in names)


def mark_shared(response):
    """Declare this request's answer the same for every visitor: no session cookie, no Vary: Cookie."""
    request.environ[SHARED] = True
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left unsaved on shared answers it did not change."""

    def save_session(self, app, session, response):
        # Flask-Login reads the session after every request, which makes Flask add `Vary: Cookie`.
        if request.environ.get(SHARED) and not session.modified:
            return None
        return super().save_session(app, session, response)


def csrf_token_view():
    """GET /api/csrf-token: the session's CSRF token, for scripts of pages rendered without it."""
    response = jsonify({"token": generate_csrf()})
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app):
    app.session_interface = SessionInterface()
    app.add_url_rule("/api/csrf-token", "csrf_token", csrf_token_view, methods=["GET"])
