"""Read replica: read-only endpoints read from a PostgreSQL hot standby (DATABASE_REPLICA_URL),
except for a visitor who wrote in the last REPLICA_READ_YOUR_WRITES_SECONDS (a cookie set on each
write: they always see their own write) and while the standby lags past REPLICA_MAX_LAG_SECONDS."""

import time

from flask import current_app, g, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, text

from app import dbpool

EXTENSION = "carte_commune.replica"
FRESH_COOKIE = "cc_primary"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Read-only endpoints: map, OGC, lists, detail pages.
READ_ENDPOINTS = {
    "maps_api.consultation_map",
    "maps_api.consultation_map_tile",
    "consultations.home",
    "consultations.show",
    "consultations_api.list_consultations",
    "consultations_api.get_consultation",
    "contributions.consultation_map",
    "contributions.consultation_list",
    "contributions.detail",
    "contributions_api.list_contributions",
    "contributions_api.get_contribution",
    "contributions_api.list_comments",
    "ogc.collections",
    "ogc.collection",
    "ogc.items",
    "ogc.item",
}
LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


class RoutingSession(FlaskSession):
    """The request's session: on the replica's engine when the request was routed there."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and not self._flushing and has_request_context() and g.get("read_replica"):
            return current_app.extensions[EXTENSION]["engine"]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def replica_lag(engine):
    """Seconds the standby is behind the primary (0 when caught up; None if it is not a standby)."""
    with engine.connect() as connection:
        lag = connection.execute(text(LAG_SQL)).scalar()
    return None if lag is None else round(float(lag), 3)


def replica_status(app):
    """For /healthz: {"lag_seconds", "max_lag_seconds", "serving_reads"}, or None without a replica."""
    state = app.extensions.get(EXTENSION)
    if state is None:
        return None
    lag, usable = _checked_lag(app, state, max_age=0)
    return {
        "lag_seconds": lag,
        "max_lag_seconds": app.config["REPLICA_MAX_LAG_SECONDS"],
        "serving_reads": usable,
    }


def _checked_lag(app, state, max_age=1.0):
    # One lag query per second and process at most; an unreachable standby serves no reads.
    now = time.monotonic()
    if now - state["checked_at"] > max_age:
        try:
            lag = replica_lag(state["engine"])
        except Exception:  # noqa: BLE001 - the primary answers instead
            lag = None
        state.update(checked_at=now, lag=lag)
    lag = state["lag"]
    return lag, lag is not None and lag <= app.config["REPLICA_MAX_LAG_SECONDS"]


def _route_reads():
    app = current_app
    state = app.extensions.get(EXTENSION)
    if state is None or request.method not in SAFE_METHODS or request.endpoint not in READ_ENDPOINTS:
        return
    if request.cookies.get(FRESH_COOKIE):
        return  # this visitor just wrote: the primary, where their write already is
    g.read_replica = _checked_lag(app, state)[1]


def _mark_writer(response):
    if request.method not in SAFE_METHODS and response.status_code < 400:
        seconds = current_app.config["REPLICA_READ_YOUR_WRITES_SECONDS"]
        response.set_cookie(FRESH_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax")
    return response


def init_app(app, db):
    """Route read-only endpoints to DATABASE_REPLICA_URL when it is set."""
    app.config.setdefault("REPLICA_MAX_LAG_SECONDS", 5.0)
    app.config.setdefault("REPLICA_READ_YOUR_WRITES_SECONDS", 10)
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    engine = create_engine(url, **options)
    dbpool.install(engine, float(app.config.get("DB_PING_AFTER_IDLE", 5)))
    app.extensions[EXTENSION] = {"engine": engine, "checked_at": -1e9, "lag": None}
    db.session.session_factory.class_ = type("RoutingSession", (RoutingSession,), {})
    app.before_request(_route_reads)
    app.after_request(_mark_writer)
