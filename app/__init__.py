"""Carte Commune: the application factory."""

import importlib
import os

from flask import Flask, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError

from app import dbpool, i18n, replica, security
from app.config import Config, check_secret, load_secret
from app.errors import register_error_handlers, render_error
from app.extensions import api, babel, csrf, db, limiter, login_manager, migrate
from app.ids import IdConverter

# Each feature package exposes init_app(app): blueprints, API blueprints, CLI commands.
FEATURES = (
    "maps",
    "territory",
    "consultations",
    "accounts",
    "contributions",
    "moderation",
    "workshops",
    "exports",
    "reports",
    "notifications",
    "restitution",
)


def create_app(config=None):
    """Build the Flask application; `config` is a class or a mapping overriding Config."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.from_object(Config)
    if isinstance(config, type):
        app.config.from_object(config)
    elif isinstance(config, dict):
        app.config.update(config)
    load_secret(app.config)
    check_secret(app.config)
    app.config.setdefault("API_TITLE", "Carte Commune API")
    app.config.setdefault("API_VERSION", "1.0")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in _csrf_unless_token below

    if app.config.get("PROXY_FIX"):
        # Behind nginx: trust one proxy hop for the client address (rate limits per resident, not per proxy).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    security.init_app(app)  # first: its nonce exists before any other hook can render a page
    _init_extensions(app)
    for name in FEATURES:
        module = importlib.import_module(f"app.{name}")
        module.init_app(app)
    register_error_handlers(app)
    _register_core(app)
    return app


def _init_extensions(app):
    importlib.import_module("app.models")  # every mapper, for relationships and Alembic
    importlib.import_module("app.accounts.auth")  # registers the login loaders

    db.init_app(app)
    dbpool.init_app(app, db)
    replica.init_app(app, db)  # DATABASE_REPLICA_URL: read-only endpoints on a hot standby
    from geoalchemy2 import alembic_helpers

    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
        include_object=alembic_helpers.include_object,
        render_item=alembic_helpers.render_item,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=lambda: "Europe/Paris",
        default_translation_directories=str(i18n.TRANSLATIONS_DIR),
    )
    limiter.init_app(app)
    api.init_app(app)


def _register_core(app):
    from app import assets, health, request_guards, shared_pages, templating
    from app.accounts.auth import authenticated_by_token

    assets.init_app(app)  # after the blueprints: it fingerprints their asset endpoints too
    health.init_app(app)
    templating.init_app(app)
    i18n.init_app(app)
    request_guards.init_app(app)
    shared_pages.init_app(app)  # Cache-Control of the pages nginx may share between anonymous visitors

    @app.before_request
    def _csrf_unless_token():
        # Session-authenticated writes need the CSRF token; token-authenticated API calls do not.
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or request.routing_exception:
            return
        if authenticated_by_token():
            return  # the token itself authenticates (a bogus Bearer beside a session cookie does not)
        if request.endpoint in app.config.get("CSRF_EXEMPT_ENDPOINTS", ()):
            return
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            return  # no session to forge: the view answers 401
        csrf.protect()

    @app.after_request
    def _commit_request(response):
        # One commit per request (services only flush); the jobs it recorded (outbox) go to RQ after it.
        from app.jobs import discard_pending_jobs, dispatch_pending

        if response.status_code < 400:
            db.session.commit()
            dispatch_pending()
        else:
            try:
                db.session.rollback()
            except SQLAlchemyError:  # the connection died with PostgreSQL: drop it, answer anyway
                db.session.remove()
            discard_pending_jobs()
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_error(
            400,
            "csrf",
            _("Le jeton de sécurité du formulaire manque ou a expiré : rechargez la page et réessayez."),
        )
