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

import copy
import functools
import time

from psycopg import RawCursor
from psycopg.pq import ExecStatus
from psycopg.rows import dict_row, namedtuple_row
from sqlalchemy import event, exc, inspect
from sqlalchemy.orm import make_transient_to_detached, scoped_session
from sqlalchemy.orm.attributes import instance_state

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


class RawStatement:
    """A hot statement of the write paths run straight on the session's psycopg connection, in the
    request's transaction, prepared on the server.

    Going through `Session.execute` costs about three times the statement's own client time (cache
    key, execution context, result wrappers: ~0.3 ms against ~0.1 ms per vote statement under load).
    The SQL is compiled once, from Core or text, for the connection's dialect; rows come back as named
    tuples. Database errors come out as SQLAlchemy's (a dropped connection is invalidated and answered
    503 like any other outage); `before_cursor_execute` listeners see it like any other."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled = None

    def _sql(self, dialect):
        """(SQL with $1, $2… placeholders, the bound names in their order, the values the statement
        carries itself), compiled once. Numbered placeholders go to PostgreSQL as they are (psycopg's
        RawCursor): psycopg otherwise converts %(name)s to them at every call, and caches that only
        for statements under 4 KiB (a new idea's: 6 % of its time, converting)."""
        if self._compiled is None:
            numbered = copy.copy(dialect)
            numbered.paramstyle, numbered.positional = "numeric_dollar", True
            compiled = self.statement.compile(dialect=numbered)
            # Values the statement carries itself (its literals, None included); the bound names
            # without a value come with each call.
            defaults = {
                name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
            }
            self._compiled = (str(compiled), tuple(compiled.positiontup), defaults)
        return self._compiled

    def entity(self, session, entity_class, params, extras=None):
        """The first row as a persistent `entity_class` of `session` (None without a row): the
        statement selects (or returns) columns of `entity_class`, e.g. `entity_columns(...)`; those it
        leaves out load when first read. An object already in the session is returned as it is, as the
        ORM would. `extras`, a dict, receives the row's other columns (values computed beside it)."""
        session = _resolved(session)
        rows = self.run(session, params, row_factory=dict_row)
        return _attached(session, entity_class, rows[0], extras) if rows else None

    def run(self, session, params, row_factory=namedtuple_row):
        """All the rows (named tuples; none for a write without RETURNING) of the statement run with
        `params` in `session`'s transaction (pending ORM changes flushed first, as `Session.execute`
        would)."""
        session = _resolved(session)
        if session.autoflush:
            session.flush()
        connection = session.connection()
        compiled = self._sql(connection.dialect)
        sql, parameters = compiled[0], positional(compiled, params)
        driver = connection.connection.driver_connection
        cursor = RawCursor(driver, row_factory=row_factory)
        if connection._has_events or connection.engine._has_events:  # counters and tracers see it
            connection.dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
        try:
            cursor.execute(sql, parameters, prepare=True)
            # Rows or not, from the result's status: `cursor.description` would build a Column
            # object per column at every call (a tenth of a vote's client time).
            result = cursor.pgresult
            return cursor.fetchall() if result is not None and result.status == ExecStatus.TUPLES_OK else []
        except driver.Error as error:
            dialect = connection.dialect
            lost = dialect.is_disconnect(error, connection.connection, cursor)
            if lost:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                sql,
                parameters,
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=dialect,
            ) from error
        finally:
            cursor.close()


def positional(compiled, params):
    """The values of a compiled RawStatement (`_sql`) in its placeholders' order: `params`, else its own."""
    _, names, defaults = compiled
    return tuple(params[name] if name in params else defaults[name] for name in names)


def _resolved(session):
    """The request's own session behind a scoped one, looked up once (not at each attribute)."""
    return session() if isinstance(session, scoped_session) else session


def entity_columns(entity_class, without=()):
    """The mapped columns of `entity_class` (not deferred ones nor those named in `without`)."""
    return [
        getattr(entity_class, prop.key)
        for prop in inspect(entity_class).column_attrs
        if not prop.deferred and prop.key not in without
    ]


@functools.cache
def _mapping(entity_class):
    """(mapper, {result column name: attribute}, primary key attributes) of `entity_class`: a column's
    own name, or the attribute's key (a SQL expression mapped as a column_property, selected under its
    key as label). Looked up once per class, not at every row."""
    mapper = inspect(entity_class)
    keys = {}
    for prop in mapper.column_attrs:
        keys[prop.key] = prop.key
        name = getattr(prop.columns[0], "name", None)
        if isinstance(name, str):
            keys[name] = prop.key
    primary_key = tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
    return mapper, keys, primary_key


def _attached(session, entity_class, row, extras=None):
    mapper, keys, primary_key = _mapping(entity_class)
    values = {}
    for name, value in row.items():
        if name in keys:
            values[keys[name]] = value
        elif extras is not None:
            extras[name] = value
        else:
            raise KeyError(f"{name}: not a column of {entity_class.__name__}")
    identity = mapper.identity_key_from_primary_key([values[key] for key in primary_key])
    existing = session.identity_map.get(identity)
    if existing is not None:
        return existing
    instance = mapper.class_manager.new_instance()
    # The values straight into the new instance's dict (not one set_committed_value per column): its
    # history is reset below as loaded, with its identity, the columns not read expired; then added
    # as a persistent object.
    instance_state(instance).dict.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance
