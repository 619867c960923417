"""/healthz: is the database reachable, is Redis reachable."""

from flask import jsonify
from sqlalchemy import text

from app.extensions import db, redis_connection


def check_health():
    """Return ({"database": ..., "redis": ...}, all_ok)."""
    status = {}
    try:
        db.session.execute(text("SELECT 1"))
        status["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
        db.session.rollback()
        status["database"] = f"erreur : {type(error).__name__}"
    try:
        redis_connection().ping()
        status["redis"] = "ok"
    except Exception as error:  # noqa: BLE001
        status["redis"] = f"erreur : {type(error).__name__}"
    return status, all(value == "ok" for value in status.values())


def init_app(app):
    @app.get("/healthz")
    def healthz():
        status, ok = check_health()
        return jsonify(status), 200 if ok else 503
