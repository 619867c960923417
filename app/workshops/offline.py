"""Offline workshops: the service worker, the web app manifest and what a device keeps to work offline.

The service worker (static/js/sw.js) is served from the site's root so that its scope covers the
facilitator entry screens and the kiosk; it caches the app shell and the map tiles a page lists from
`offline_manifest` (the perimeter's tiles at MAP_OFFLINE_ZOOMS, at most MAP_OFFLINE_MAX_TILES).
"""

import json
import math
from pathlib import Path

from flask import Blueprint, current_app, jsonify, make_response, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.auth import roles_required
from app.consultations import queries as consultation_queries
from app.i18n import LOCALES, RTL_LOCALES
from app.maps import basemap
from app.territory.identity import territory_identity
from app.workshops import queries

bp = Blueprint("offline", __name__)
SW_VERSION = "1"


OFFLINE_TEXTS_MARK = "/*OFFLINE_TEXTS*/[{"


def offline_texts():
    """The service worker's offline page in every language of the site, from the catalogs."""
    texts = []
    for code in LOCALES:
        with force_locale(code):
            texts.append(
                {
                    "lang": code,
                    "dir": "rtl" if code in RTL_LOCALES else "ltr",
                    "title": _("Hors ligne"),
                    "text": _("Hors ligne : cette page n'a pas été préparée sur cette tablette."),
                }
            )
    return texts


@bp.get("/sw.js")
def service_worker():
    """The service worker script, allowed to control the whole site (it only acts on workshop pages),
    its offline page written in each language of the site."""
    script = (Path(current_app.static_folder) / "js" / "sw.js").read_text(encoding="utf-8")
    start = script.index(OFFLINE_TEXTS_MARK)
    end = script.index("];", start) + 1
    # JSON in a script: "<" escaped so that no text can close anything.
    texts = json.dumps(offline_texts(), ensure_ascii=False).replace("<", "\\u003c")
    script = script[:start] + texts + script[end:]
    response = make_response(script)
    response.mimetype = "text/javascript"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def web_manifest():
    """The web app manifest: the entry screen and the kiosk can be installed on a tablet."""
    body = {
        "name": f"{territory_identity().platform_name} — ateliers",
        "short_name": territory_identity().platform_name,
        "lang": "fr",
        "start_url": url_for("workshops.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "landscape",
        "background_color": "#ffffff",
        "theme_color": "#1d4e89",
        "icons": [
            {"src": url_for("static", filename="img/icon.svg"), "sizes": "any", "type": "image/svg+xml"}
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/ateliers/<int:workshop_id>/hors-ligne.json")
@roles_required("facilitator", "moderator")
def workshop_manifest(workshop_id):
    """What the entry screen of this workshop keeps on the device (pages, assets, tiles)."""
    workshop = queries.get_workshop(workshop_id)
    queries.check_can_manage(current_user, workshop)
    pages = [url_for("workshops.entry", workshop_id=workshop.id)]
    return jsonify(offline_manifest(workshop.consultation_id, pages))


def offline_manifest(consultation_id, pages):
    """{version, pages, tiles, zooms}: the tiles cover the perimeter's extent at the workshop zooms."""
    (south, west), (north, east) = consultation_queries.consultation_extent(consultation_id)
    # A quarter more on each side: the grid's margin and a landscape screen show beyond the perimeter.
    pad_lat, pad_lon = (north - south) / 4, (east - west) / 4
    bounds = [[south - pad_lat, west - pad_lon], [north + pad_lat, east + pad_lon]]
    template = current_app.config.get("MAP_TILES_URL") or ""
    tiles, zooms = [], []
    if template and bounds:
        budget = current_app.config["MAP_OFFLINE_MAX_TILES"]
        for zoom in _zooms():
            batch = tile_urls(template, bounds, zoom)
            if len(tiles) + len(batch) > budget:
                break  # deeper zooms would exceed the device budget
            tiles += batch
            zooms.append(zoom)
    return {"version": SW_VERSION, "pages": pages, "tiles": tiles, "zooms": zooms}


def _zooms():
    raw = current_app.config.get("MAP_OFFLINE_ZOOMS") or ""
    limit = current_app.config["MAP_TILES_MAX_ZOOM"]
    return sorted({int(z) for z in raw.split(",") if z.strip().isdigit() and int(z) <= limit})


def tile_urls(template, bounds, zoom):
    """The tile URLs covering [[south, west], [north, east]] at `zoom` (Web Mercator XYZ)."""
    (south, west), (north, east) = bounds
    x0, y0 = _tile(west, north, zoom)
    x1, y1 = _tile(east, south, zoom)
    return [basemap.tile_url(template, zoom, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _tile(lon, lat, zoom):
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


@bp.get("/borne/hors-ligne.json")
def kiosk_manifest():
    """What a kiosk tablet keeps to show its consultation offline (the kiosk page and its tiles)."""
    from app.errors import Forbidden
    from app.workshops.kiosk_views import current_kiosk

    kiosk = current_kiosk()
    if kiosk is None:
        raise Forbidden(_("Cette tablette n'est pas une borne ouverte."))
    return jsonify(offline_manifest(kiosk.consultation_id, [url_for("kiosk.home")]))
