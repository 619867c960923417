"""Maps: folium builders with local Leaflet assets, map-data endpoints, map grid."""

import xstatic.pkg.leaflet as xleaflet
from flask import Blueprint, send_from_directory

bp = Blueprint("maps", __name__)


@bp.get("/vendor/leaflet/<path:filename>")
def leaflet_asset(filename):
    # Leaflet is installed from PyPI (xstatic-leaflet), never committed and never from a CDN.
    return send_from_directory(xleaflet.BASE_DIR, filename, max_age=7 * 24 * 3600)


def init_app(app):
    from app.extensions import api
    from app.maps import models  # noqa: F401 - the grid tables, for the metadata
    from app.maps.api import blp
    from app.maps.cli import dev_cli

    app.register_blueprint(bp)
    api.register_blueprint(blp)
    app.cli.add_command(dev_cli)
