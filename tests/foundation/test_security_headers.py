"""Content-Security-Policy with a fresh nonce on every HTML page (or, on the pages shared by anonymous
visitors, no nonce and nothing inline), other security headers, cookies."""

import re

import pytest

from app import create_app
from app.config import TestConfig
from app.security import tile_source
from app.shared_pages import SHARED_ATTRIBUTE
from tests.conftest import PASSWORD, login

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", re.I)
STYLE_TAG = re.compile(r"<style([^>]*)>", re.I)


def directives(response):
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no CSP on {response.request.path}"
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _shared(response):
    """Whether the page is one of those shared by anonymous visitors (app/shared_pages.py)."""
    from flask import current_app

    adapter = current_app.url_map.bind("localhost")
    endpoint, _ = adapter.match(response.request.path, method="GET")
    return getattr(current_app.view_functions[endpoint], SHARED_ATTRIBUTE, False)


def check_page(response):
    """CSP as required, and every inline <script>/<style> of the page carries this response's nonce; a
    shared page has no nonce and nothing inline (returns None for it)."""
    assert response.status_code == 200, response.request.path
    assert response.mimetype == "text/html"
    policy = directives(response)
    script = policy["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert all(source in ("'self'", "data:") for source in policy["img-src"])  # no tile server in tests
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    html = response.get_data(as_text=True)
    if _shared(response):
        assert script == ["'self'"] and policy["style-src"] == ["'self'"], response.request.path
        assert not INLINE_SCRIPT.findall(html) and not STYLE_TAG.findall(html), response.request.path
        return None
    nonces = [source for source in script if source.startswith("'nonce-")]
    assert len(nonces) == 1 and len(nonces[0]) > 20
    nonce = nonces[0][len("'nonce-") : -1]
    assert "'unsafe-inline'" not in policy["style-src"] and f"'nonce-{nonce}'" in policy["style-src"]
    for attributes in INLINE_SCRIPT.findall(html) + STYLE_TAG.findall(html):
        assert f'nonce="{nonce}"' in attributes, (response.request.path, attributes)
    return nonce


@pytest.fixture
def world(make_user, make_consultation, make_contribution, make_comment):
    admin = make_user(role="admin")
    consultation = make_consultation()
    idea = make_contribution(consultation, author=make_user())
    make_comment(idea, admin)
    return admin, consultation, idea


def pages(consultation, idea, admin):
    slug = consultation.slug
    return [
        "/",
        "/territoire",
        f"/consultations/{slug}",
        f"/consultations/{slug}/carte",
        f"/consultations/{slug}/idees",
        f"/idees/{idea.id}",
        "/ogc?f=html",
        "/ogc/collections?f=html",
        f"/ogc/collections/{slug}-points?f=html",
        f"/ogc/collections/{slug}-points/items?f=html",
        f"/ogc/collections/{slug}-points/items/{idea.id}?f=html",
        "/moderation/",
        f"/moderation/contributions/{idea.id}",
        "/moderation/commentaires",
        f"/moderation/utilisateurs/{admin.id}",
        "/rapports",
        f"/rapports/concertations/{slug}",
        "/exports",
        "/ateliers",
        "/compte",
    ]


def test_every_html_page_has_a_strict_csp_with_its_own_nonce(client, world):
    admin, consultation, idea = world
    anonymous = [check_page(client.get(path)) for path in ("/", "/connexion", "/inscription")]
    login(client, admin)
    nonces = [check_page(client.get(path)) for path in pages(consultation, idea, admin)]
    nonces = [nonce for nonce in nonces + anonymous if nonce is not None]
    assert len(set(nonces)) == len(nonces) >= 15  # a new nonce per response


def test_every_argument_free_html_page_of_the_app(app, client, world):
    """Whatever page is added later: each GET route without arguments that answers HTML has the CSP."""
    login(client, world[0])
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.rule.startswith(("/api", "/static")):
            continue
        response = client.get(rule.rule)
        if response.status_code == 200 and response.mimetype == "text/html":
            check_page(response)
            checked += 1
    assert checked >= 10


def test_error_pages_carry_the_csp_too(client):
    response = client.get("/cette-page-n-existe-pas")
    assert response.status_code == 404
    assert "'nonce-" in response.headers["Content-Security-Policy"]


def test_hsts_only_over_https_and_no_forced_redirect_in_tests(client):
    plain = client.get("/")
    assert plain.status_code == 200 and "Strict-Transport-Security" not in plain.headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_tile_server_is_the_only_other_image_source():
    assert (
        tile_source("https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png")
        == "https://*.tile.openstreetmap.fr"
    )
    assert tile_source("https://data.geopf.fr/wmts?layer=x&z={z}") == "https://data.geopf.fr"
    assert tile_source("") is None
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**config, "MAP_TILES_URL": "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png"})
    images = directives(app.test_client().get("/connexion"))["img-src"]
    assert images == ["'self'", "data:", "https://*.tile.openstreetmap.fr"]


def _https_app():
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(
        PUBLIC_BASE_URL="https://carte.exemple.fr", SESSION_COOKIE_SECURE=None, REMEMBER_COOKIE_SECURE=None
    )
    return create_app(config)


def test_cookies_are_secure_when_the_public_address_is_https_and_always_samesite_lax(make_user):
    user = make_user()
    app = _https_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    client = app.test_client()
    html = client.get("/connexion", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)  # the form's own token
    response = client.post(
        "/connexion",
        data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/connexion"},  # Flask-WTF checks it over https
    )
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies)
    for cookie in cookies.values():
        assert "; Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_cookies_stay_usable_over_plain_http_in_development(client):
    response = client.get("/connexion")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "Secure" not in cookie


def test_https_redirect_only_when_configured():
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    forced = create_app({**config, "FORCE_HTTPS": True}).test_client()
    response = forced.get("/connexion")
    assert response.status_code in (301, 302) and response.headers["Location"].startswith("https://")
    assert forced.get("/connexion", base_url="https://localhost").status_code == 200
