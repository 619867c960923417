"""Pooled connections are checked (one `SELECT 1`) only after they have been idle for a while;
statements marked `prepared(...)` are planned once per connection.

SQLAlchemy's pool_pre_ping checks every connection at every checkout: a round trip and the
pool's event machinery, about 0.2 ms on each request, a tenth of a map viewport's time. A
connection returned moments ago is alive unless the server went away in between; one that has
been idle longer than DB_PING_AFTER_IDLE seconds (PostgreSQL restarted overnight, a firewall
dropped the socket) is pinged and, when dead, replaced before the request sees it. A request
that does meet a connection killed in the last few seconds fails once; SQLAlchemy then
invalidates the whole pool, so the next requests reconnect.

Server-side prepared statements are off by default (config: map queries must keep custom plans, a
generic plan of a bbox query is a trap). A statement of the write paths, always by key (an idea, a
token, a consultation), whose planning costs several times its execution (the idea's detail: 1.3 ms
to plan, 0.2 ms to run), is marked with `prepared()`: psycopg prepares it on the connection and
PostgreSQL plans it once there."""

import time

from sqlalchemy import event, exc

PREPARE_OPTION = "carte_commune_prepare"


def prepared(statement):
    """`statement` (Core, ORM or text) executed as a server-side prepared statement."""
    return statement.execution_options(**{PREPARE_OPTION: True})


def init_app(app, db):
    """Install the idle-time check on every engine of the app (DB_PING_AFTER_IDLE: seconds; 0: always)."""
    idle = float(app.config.get("DB_PING_AFTER_IDLE", 5))
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        install(engine, idle)


def install(engine, idle_seconds):
    dialect = engine.dialect

    @event.listens_for(engine, "do_execute")
    def _prepare_only_marked(cursor, statement, parameters, context):
        cursor.execute(statement, parameters, prepare=bool(context.execution_options.get(PREPARE_OPTION)))
        return True

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # a new connection, or one in use moments ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out a fresh one (up to three times).
            raise exc.DisconnectionError("connexion PostgreSQL perdue pendant l'inactivité") from error
