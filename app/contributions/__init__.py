"""Contributions: residents' ideas on the map, their photos, votes and comments."""


def init_app(app):
    """Register the resident pages, the media route and the JSON API."""
    from app.contributions.api import blp
    from app.contributions.limits import unauthenticated_api_writes
    from app.contributions.views import bp
    from app.extensions import api

    app.register_blueprint(bp)
    from app.geocoding.views import bp as geocoding_bp

    app.register_blueprint(geocoding_bp)  # address search of the resident form
    app.before_request(unauthenticated_api_writes)  # before create_app's CSRF check
    api.register_blueprint(blp)
