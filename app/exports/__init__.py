"""Exports (CSV, XLSX, GeoJSON, GeoPackage) and the OGC API – Features endpoint for QGIS."""


def init_app(app):
    """Blueprints and commands of this feature are registered here."""
    from app.exports.api import blp, check_api_caller
    from app.exports.cli import exports_cli
    from app.exports.ogc import bp as ogc_bp
    from app.exports.views import bp
    from app.extensions import api

    app.register_blueprint(bp)
    app.register_blueprint(ogc_bp)
    api.register_blueprint(blp)
    # Registered before the app's CSRF check: an anonymous caller gets 401, not a CSRF error.
    app.before_request(check_api_caller)
    app.cli.add_command(exports_cli)
