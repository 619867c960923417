"""HTTP security headers: a strict Content-Security-Policy with per-request nonces (Flask-Talisman)."""

import re
from urllib.parse import urlsplit

from flask import request
from flask_talisman import Talisman

# Opening <script …> and <style …> tags that do not carry a nonce yet.
_TAG_WITHOUT_NONCE = re.compile(r"<(script|style)\b(?![^>]*\bnonce=)", re.I)
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
NONCE_DIRECTIVES = ["script-src", "style-src"]


def tile_source(tiles_url):
    """The CSP source of a Leaflet tile URL: `https://{s}.tile.x.fr/{z}/…` -> `https://*.tile.x.fr`."""
    if not tiles_url:
        return None
    parts = urlsplit(tiles_url)
    host = parts.netloc
    if not parts.scheme or not host:
        return None
    if _PLACEHOLDER.search(host):
        labels = host.split(".")
        if _PLACEHOLDER.search(labels[0]) and not _PLACEHOLDER.search(".".join(labels[1:])):
            host = "*." + ".".join(labels[1:])
        else:
            return None  # a placeholder elsewhere in the host cannot be expressed: tiles stay blocked
    return f"{parts.scheme}://{host}"


def content_security_policy(config):
    """The policy of every page; Talisman appends the request's nonce to script-src and style-src."""
    images = ["'self'", "data:"]  # data: for the blank favicon and Leaflet's inline icons
    connect = ["'self'"]
    tiles = tile_source(config.get("MAP_TILES_URL"))
    if tiles:
        images.append(tiles)
        connect.append(tiles)  # offline workshops keep the perimeter's tiles in the device's cache
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        # Inline style attributes (theme colours in templates) cannot run code; <style> needs the nonce.
        "style-src-attr": "'unsafe-inline'",
        "img-src": " ".join(images),
        "connect-src": " ".join(connect),
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def csp_nonce():
    """This request's nonce ('' outside a request)."""
    try:
        return getattr(request, "csp_nonce", "")
    except RuntimeError:
        return ""


def add_nonce(html):
    """Give this request's nonce to every <script>/<style> tag of trusted, generated HTML (folium's head)."""
    nonce = csp_nonce()
    if not nonce:
        return html
    return _TAG_WITHOUT_NONCE.sub(lambda m: f'<{m.group(1)} nonce="{nonce}"', html)


class _Talisman(Talisman):
    def _set_referrer_policy_headers(self, headers):
        headers.setdefault("Referrer-Policy", self.referrer_policy)  # a view may set a stricter one


def init_app(app):
    """Headers on every response; cookies SameSite=Lax, Secure from the config; HTTPS redirect if asked."""
    from app import sessions

    sessions.init_app(app)  # no session cookie on answers shared by every visitor (map tiles)
    session_samesite = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    # One Talisman per app: it keeps its options on the instance (tests build several apps).
    app.extensions["talisman"] = _Talisman(
        app,
        force_https=bool(app.config.get("FORCE_HTTPS")),
        strict_transport_security=True,  # Talisman sends HSTS only on https requests
        frame_options="DENY",
        content_security_policy=content_security_policy(app.config),
        content_security_policy_nonce_in=NONCE_DIRECTIVES,
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=False,  # Talisman would force it on: our config decides (https only)
        session_cookie_samesite=session_samesite,
        x_xss_protection=False,  # obsolete header; CSP replaces it
    )
    app.jinja_env.globals["csp_nonce"] = csp_nonce  # also safe outside a request (worker renders)
    https = str(app.config.get("PUBLIC_BASE_URL") or "").lower().startswith("https://")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(name) is None:
            app.config[name] = https
    app.config["REMEMBER_COOKIE_SAMESITE"] = app.config.get("REMEMBER_COOKIE_SAMESITE") or "Lax"
