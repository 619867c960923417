"""Typed errors and the one handler that renders them as an HTML page or a JSON envelope."""

import logging
import time

from flask import current_app, jsonify, render_template, request
from flask.logging import default_handler
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import escape
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException


class AppError(Exception):
    status = 400
    code = "error"
    message = _l("La requête n'a pas pu être traitée.")

    def __init__(self, message=None, fields=None, code=None):
        # Translated when raised (in the request's language), a plain string from then on (flash, JSON).
        message = str(message or self.message)
        super().__init__(message)
        self.message = message
        self.fields = plain_messages(fields or {})
        if code:
            self.code = code


class Invalid(AppError):
    status = 422
    code = "invalid"
    message = _l("Certaines informations sont invalides.")


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    message = _l("Connectez-vous pour continuer.")


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    message = _l("Vous n'avez pas le droit de faire cela.")


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = _l("Cette page ou cette ressource n'existe pas.")


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = _l("Cette action entre en conflit avec l'état actuel.")


HTTP_MESSAGES = {
    400: _l("Requête incorrecte."),
    401: _l("Connectez-vous pour continuer."),
    403: _l("Vous n'avez pas le droit de faire cela."),
    404: _l("Cette page ou cette ressource n'existe pas."),
    405: _l("Méthode non autorisée pour cette adresse."),
    409: _l("Cette action entre en conflit avec l'état actuel."),
    413: _l("Le fichier envoyé est trop volumineux."),
    422: _l("Certaines informations sont invalides."),
    429: _l("Trop de requêtes : réessayez dans quelques instants."),
    500: _l("Une erreur inattendue s'est produite. L'équipe a été prévenue."),
    503: _l("Service momentanément indisponible."),
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def wants_json():
    if request.path.startswith("/ogc"):  # OGC API: `f=html` or a browser's Accept asks for HTML
        fmt = request.args.get("f")
        best = request.accept_mimetypes.best_match(["application/json", "application/geo+json", "text/html"])
        return fmt != "html" and (fmt in ("json", "geojson") or best != "text/html")
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(status, code, message, fields=None, headers=None):
    """Render one error as the JSON envelope or as the HTML error page."""
    message, fields = str(message), plain_messages(fields or {})
    if wants_json():
        body = {"error": {"code": code, "message": message, "fields": fields}}
        response = jsonify(body)
    else:
        response = render_template("errors/error.html", status=status, message=message, fields=fields)
    return response, status, headers or {}


def plain_messages(value):
    """Lazy (translatable) messages, possibly nested in lists and dicts, as plain strings for JSON."""
    if isinstance(value, dict):
        # marshmallow keeps a lazy message of a field as is, where it puts a plain one in a list
        return {
            key: [str(item)] if isinstance(item, LazyString) else plain_messages(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [plain_messages(item) for item in value]
    return value if isinstance(value, str | int | float | bool | None) else str(value)


def _http_error_fields(error):
    # flask-smorest / webargs put marshmallow messages in error.data["messages"]
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if not messages:
        return {}
    fields = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            fields.update(location_messages)
    return fields


def _retry_after():
    """Seconds until the limit this request hit lets it through again (read only on a 429)."""
    from app.extensions import limiter

    current = limiter.current_limit
    try:
        return max(1, int(current.reset_at - time.time())) if current is not None else 60
    except Exception:  # noqa: BLE001 - the storage went away between the hit and here: a safe minute
        return 60


def handle_http_exception(error):
    status = error.code or 500
    message = HTTP_MESSAGES.get(status, error.description or _("Erreur."))
    headers = {}
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        headers.update(getattr(error, "headers", None) or {})
        headers.setdefault("Retry-After", str(_retry_after()))
    return render_error(status, HTTP_CODES.get(status, "error"), message, _http_error_fields(error), headers)


def register_error_handlers(app):
    @app.errorhandler(AppError)
    def _app_error(error):
        return render_error(error.status, error.code, error.message, error.fields)

    app.register_error_handler(HTTPException, handle_http_exception)

    @app.errorhandler(DataError)
    def _data_error(error):
        # A value PostgreSQL refuses (NUL character, number beyond a column's range) that slipped
        # past validation: the request's transaction is rolled back (status ≥ 400), the caller told why.
        app.logger.warning("Valeur refusée par PostgreSQL : %s", error.orig)
        return render_error(
            422,
            "invalid",
            _(
                "Une valeur envoyée n'est pas acceptée (caractère nul, nombre trop grand ou format inattendu)."
            ),
        )

    register_outage_handlers(app)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("Unhandled error")
        return render_error(500, "server_error", HTTP_MESSAGES[500])


OUTAGE_MESSAGE = _l(
    "Le service est momentanément indisponible (maintenance ou incident technique). "
    "Votre dernière action n'a pas été enregistrée : réessayez dans quelques instants."
)
OUTAGE_PAGE = (
    '<!doctype html><html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title} — Carte Commune</title></head>"
    "<body><main><h1>{title}</h1><p>{message}</p>"
    '<p><a href="/">{retry}</a></p></main></body></html>'
)
OUTAGE_ERRORS = (
    RedisConnectionError,
    RedisTimeoutError,
    OperationalError,
    InterfaceError,
    PendingRollbackError,
)


def _outage_texts():
    # The locale may come from the signed-in account, which needs the database that is away: French then.
    try:
        locale = get_locale()
        lang = locale.language if locale else "fr"
        texts = {"title": _("Service momentanément indisponible"), "message": str(OUTAGE_MESSAGE)}
        texts["retry"] = _("Réessayer")
    except (*OUTAGE_ERRORS, DBAPIError):
        with force_locale("fr"):
            lang = "fr"
            texts = {"title": _("Service momentanément indisponible"), "message": str(OUTAGE_MESSAGE)}
            texts["retry"] = _("Réessayer")
    return lang, texts


def outage_response(error):
    """503 with Retry-After for an unreachable PostgreSQL or Redis (never a 500)."""
    current_app.logger.warning("Panne d'un service (%s) : %s", type(error).__name__, error)
    headers = {"Retry-After": str(current_app.config.get("OUTAGE_RETRY_AFTER", 10))}
    if wants_json():
        return render_error(503, "unavailable", _outage_texts()[1]["message"], headers=headers)
    # A page of its own: the site layout reads the signed-in user, which may need the database.
    lang, texts = _outage_texts()
    texts = {key: escape(value) for key, value in texts.items()}
    page = OUTAGE_PAGE.format(lang=lang, dir="rtl" if lang == "ar" else "ltr", **texts)
    return page, 503, {**headers, "Content-Type": "text/html; charset=utf-8"}


def register_outage_handlers(app):
    """PostgreSQL or Redis unreachable: 503 + Retry-After, French message, JSON or HTML."""
    # Flask-Limiter says when it falls back to memory (Redis away) on a logger with a NullHandler:
    # give it Flask's handler so that the operator sees it in the server's log.
    limiter_log = logging.getLogger("flask-limiter")
    if default_handler not in limiter_log.handlers:
        limiter_log.addHandler(default_handler)
    for error_class in OUTAGE_ERRORS:
        app.register_error_handler(error_class, outage_response)

    @app.errorhandler(DBAPIError)
    def _dbapi_error(error):
        # A connection dropped mid-statement (PostgreSQL restarting) is an outage; anything else a bug.
        if error.connection_invalidated:
            return outage_response(error)
        app.logger.exception("Unhandled database error")
        return render_error(500, "server_error", HTTP_MESSAGES[500])
