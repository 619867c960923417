"""Fingerprinted static files: a content hash in the URL, a one-year immutable cache, module imports too."""

import hashlib
import re
from pathlib import Path

from flask import url_for

ROOT = Path(__file__).resolve().parents[2]
HASHED = re.compile(r"^/static/css/app\.([0-9a-f]{12})\.css$")


def test_static_urls_carry_the_content_hash_and_are_immutable(app, client):
    with app.test_request_context():
        css = url_for("static", filename="css/app.css")
        leaflet = url_for("maps.leaflet_asset", filename="leaflet.js")
    digest = hashlib.sha256((ROOT / "static" / "css" / "app.css").read_bytes()).hexdigest()[:12]
    assert HASHED.match(css) and HASHED.match(css)[1] == digest
    assert re.fullmatch(r"/vendor/leaflet/leaflet\.[0-9a-f]{12}\.js", leaflet)
    for url in (css, leaflet):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Set-Cookie" not in response.headers
    # The plain name (and an outdated hash) still answer, but are revalidated each time.
    for url in ("/static/css/app.css", "/static/css/app.000000000000.css"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404


def test_module_imports_point_to_the_fingerprinted_modules(app, client):
    with app.test_request_context():
        page = url_for("static", filename="js/contributions-map.js")
        api = url_for("static", filename="js/api.js")
    body = client.get(page).get_data(as_text=True)
    assert f'from "./{api.rsplit("/", 1)[1]}"' in body
    assert 'from "./api.js"' not in body
    # Its hash covers its imports: the module is served exactly as hashed.
    assert hashlib.sha256(body.encode()).hexdigest()[:12] == page.rsplit(".", 2)[1]
    imported = client.get(f"/static/js/{api.rsplit('/', 1)[1]}")
    assert imported.headers["Cache-Control"].endswith("immutable") and imported.mimetype == "text/javascript"
    # The plain module keeps its plain imports (a page cached before a deploy still works).
    assert 'from "./api.js"' in client.get("/static/js/contributions-map.js").get_data(as_text=True)


def test_the_service_worker_keeps_its_stable_url(app):
    with app.test_request_context():
        assert url_for("static", filename="js/sw.js") == "/static/js/sw.js"
