"""Pooled connections: pinged after an idle time only, replaced when the server dropped them."""

import time

import psycopg
import pytest
from sqlalchemy import create_engine, exc

from app.dbpool import install


@pytest.fixture
def engine(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url, connect_args={"prepare_threshold": None}, pool_size=1, max_overflow=0)
    pings = []
    ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection):
        pings.append(time.monotonic())
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted_ping
    engine.pings = pings
    yield engine
    engine.dispose()


def backend_pid(engine):
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()


def terminate(app, pid):
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        for _ in range(50):  # the backend exits asynchronously
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                break
            time.sleep(0.02)


def test_a_connection_in_use_moments_ago_is_not_pinged(engine):
    install(engine, idle_seconds=60)
    first = backend_pid(engine)
    assert backend_pid(engine) == backend_pid(engine) == first
    assert engine.pings == []


def test_an_idle_connection_is_pinged_and_replaced_when_the_server_dropped_it(app, engine):
    install(engine, idle_seconds=0.2)
    first = backend_pid(engine)
    terminate(app, first)
    time.sleep(0.3)
    second = backend_pid(engine)  # no error: the dead connection was found before use
    assert second != first
    assert len(engine.pings) == 1


def test_an_idle_connection_that_is_alive_is_kept(engine):
    install(engine, idle_seconds=0.1)
    first = backend_pid(engine)
    time.sleep(0.2)
    assert backend_pid(engine) == first
    assert len(engine.pings) == 1


def test_a_connection_dropped_moments_ago_fails_once_then_the_pool_reconnects(app, engine):
    install(engine, idle_seconds=60)
    first = backend_pid(engine)
    terminate(app, first)
    with pytest.raises(exc.OperationalError):
        backend_pid(engine)
    assert backend_pid(engine) != first


def test_the_app_engine_has_the_check_and_no_ping_at_every_checkout(app):
    from app.extensions import db

    with app.app_context():
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        assert not options.get("pool_pre_ping")
        assert app.config["DB_PING_AFTER_IDLE"] > 0
        pool = db.engine.pool
    assert pool.dispatch.checkout and pool.dispatch.checkin


def test_only_statements_marked_prepared_are_prepared_on_the_server(app):
    """A marked statement is planned once per connection (and reused); any other, the map's bbox
    queries among them, is planned at each call (no generic plan can take over)."""
    from sqlalchemy import text

    from app.dbpool import prepared

    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0, **options)
    install(engine, 5)
    marked = prepared(text("SELECT count(*) FROM users WHERE id > :n"))
    plain = text("SELECT count(*) FROM communes WHERE insee > :n")
    try:
        with engine.connect() as connection:
            for n in range(8):
                connection.execute(marked, {"n": n})
                connection.execute(plain, {"n": str(n)})
            statements = connection.exec_driver_sql(
                "SELECT statement, custom_plans + generic_plans FROM pg_prepared_statements"
            ).all()
    finally:
        engine.dispose()
    assert [(sql.replace("$1", ":n"), runs) for sql, runs in statements] == [(marked.text, 8)]


# --- hot statements on the raw connection (RawStatement) -------------------------------------------
@pytest.fixture
def raw_session(app):
    """A session on an engine of its own (one connection), installed as the app's are."""
    from sqlalchemy.orm import Session

    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0, **options)
    install(engine, 60)
    session = Session(engine)
    yield session
    session.rollback()
    session.close()
    engine.dispose()


def test_a_raw_statement_runs_in_the_session_transaction_prepared_and_seen_by_listeners(raw_session):
    from sqlalchemy import event, text

    from app.dbpool import RawStatement

    seen = []
    event.listen(raw_session.get_bind(), "before_cursor_execute", lambda *args: seen.append(args[2]))
    raw_session.execute(text("CREATE TEMP TABLE raw_probe (n int) ON COMMIT DROP"))
    raw_session.execute(text("INSERT INTO raw_probe VALUES (1), (2)"))
    statement = RawStatement(text("SELECT n, n * :k AS scaled FROM raw_probe WHERE n >= :least ORDER BY n"))
    for _ in range(3):
        rows = statement.run(raw_session, {"k": 10, "least": 1})
    assert [(row.n, row.scaled) for row in rows] == [(1, 10), (2, 20)]  # it saw the uncommitted rows
    assert sum("raw_probe WHERE n >=" in sql for sql in seen) == 3
    # Numbered placeholders, compiled once, go as they are (no %(name)s for psycopg to convert at each
    # call); a literal % stays one.
    assert all("n * $1" in sql for sql in seen if "raw_probe WHERE" in sql)
    percent = RawStatement(text("SELECT n FROM raw_probe WHERE n::text LIKE '1%' AND n < :most"))
    assert [row.n for row in percent.run(raw_session, {"most": 5})] == [1]
    prepared = raw_session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    assert any("raw_probe" in sql for sql in prepared), prepared


def test_a_raw_statement_error_is_sqlalchemy_s_and_a_dropped_connection_an_invalidated_one(app, raw_session):
    from sqlalchemy import text

    from app.dbpool import RawStatement

    with pytest.raises(exc.DataError):  # a bug stays a bug (500), as through Session.execute
        RawStatement(text("SELECT 1 / :zero")).run(raw_session, {"zero": 0})
    raw_session.rollback()
    pid = raw_session.execute(text("SELECT pg_backend_pid()")).scalar()
    terminate(app, pid)
    with pytest.raises(exc.OperationalError) as caught:  # an outage: the app answers 503
        RawStatement(text("SELECT :n")).run(raw_session, {"n": 1})
    assert caught.value.connection_invalidated
    raw_session.rollback()
    assert raw_session.execute(text("SELECT pg_backend_pid()")).scalar() != pid  # a new connection


def test_a_raw_entity_is_a_persistent_object_of_the_session(make_user):
    from sqlalchemy import bindparam, select, text

    from app.accounts.models import User
    from app.dbpool import RawStatement, entity_columns
    from app.extensions import db

    user = make_user()
    db.session.execute(text("SELECT 1"))
    statement = RawStatement(select(*entity_columns(User)).where(User.id == bindparam("id")))
    loaded = statement.entity(db.session, User, {"id": user.id})
    assert loaded.pseudonym == user.pseudonym and loaded.session_version == user.session_version
    assert statement.entity(db.session, User, {"id": user.id}) is loaded  # the identity map's object
    assert db.session.get(User, user.id) is loaded
    assert statement.entity(db.session, User, {"id": -1}) is None
    loaded.locale = "ar"  # an ordinary persistent object: a change is flushed as an UPDATE
    db.session.flush()
    assert (
        db.session.execute(text("SELECT locale FROM users WHERE id = :id"), {"id": user.id}).scalar() == "ar"
    )


def test_a_raw_statement_keeps_its_own_values_none_included(raw_session):
    from sqlalchemy import bindparam, literal, select

    from app.dbpool import RawStatement

    statement = RawStatement(select(literal(None).label("nothing"), literal("x").label("x"), bindparam("n")))
    [row] = statement.run(raw_session, {"n": 3})
    assert tuple(row) == (None, "x", 3)
