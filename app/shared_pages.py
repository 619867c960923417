"""Pages the same for every anonymous visitor (home, idea lists, idea pages), kept by nginx a few seconds.

A view marked `@shared_page` renders no inline script or style (only files of our own origin and JSON
data blocks), so its Content-Security-Policy needs no per-response nonce: `script-src 'self'`, nothing
inline can run, and the answer is byte for byte the same for two anonymous visitors. Such an answer,
to a request without session cookie, remember-me cookie or token, and leaving no cookie behind, says
`Cache-Control: public, max-age=0, s-maxage=SHARED_PAGE_SECONDS`: nginx (docker-compose.yml) serves it
to the next anonymous visitors for that long, browsers ask again each time, and every other answer of
these views says `private, no-cache`. Signed-in visitors never meet the shared copy (nginx bypasses its
cache on the session and remember-me cookies and on Authorization), so they always see their own votes,
pending ideas and forms; anonymous readers may see counters up to SHARED_PAGE_SECONDS old."""

from flask import current_app, request, session
from flask_login import current_user

from app.sessions import sign_in_cookie_sent

SHARED_ATTRIBUTE = "carte_commune_shared_page"


def shared_page(view):
    """Mark a view (under its route decorator): no CSP nonce, shared-cache headers for anonymous reads."""
    view.talisman_view_options = {"content_security_policy_nonce_in": []}
    setattr(view, SHARED_ATTRIBUTE, True)
    return view


def _anonymous_request():
    if sign_in_cookie_sent() or "Authorization" in request.headers:
        return False
    return not current_user.is_authenticated and not session.modified


def _cache_headers(response):
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if not getattr(view, SHARED_ATTRIBUTE, False) or request.method not in ("GET", "HEAD"):
        return response
    if response.status_code == 200 and response.mimetype == "text/html" and _anonymous_request():
        seconds = int(current_app.config["SHARED_PAGE_SECONDS"])
        response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def init_app(app):
    app.after_request(_cache_headers)  # SHARED_PAGE_SECONDS: app/config.py
