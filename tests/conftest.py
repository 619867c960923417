"""Shared fixtures: the app on real PostGIS + Redis, a rolled-back transaction per test, factories.

- The schema is migrated once per run (Alembic), the territory loaded once.
- Each test runs inside a transaction rolled back at the end; every session (test code, test client
  requests, in-process RQ jobs) is bound to that one connection. Factories commit: in a rolled-back
  test that only releases a savepoint, so a failing request's rollback cannot undo the test's setup.
- Tests marked `committed` (browser, concurrency, worker subprocesses) really commit; the app
  tables are truncated after them (the territory stays).
"""

import re
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, request_started
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, text
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig
from app.consultations.models import utcnow
from app.extensions import db, redis_connection

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TERRITORY_TABLES = {
    "communes",
    "qpv",
    "qpv_2024",
    "themes",
    "qpv_communes",
    "spatial_ref_sys",
    "alembic_version",
}
PASSWORD = "un mot de passe solide"


def _reset_schema():
    tables = (
        db.session.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'"
            )
        )
        .scalars()
        .all()
    )
    if tables:
        db.session.execute(text("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    db.session.commit()


def truncate_app_tables():
    """Empty every table but the territory ones; clear imported perimeters."""
    tables = (
        db.session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        .scalars()
        .all()
    )
    app_tables = [t for t in tables if t not in TERRITORY_TABLES]
    db.session.execute(
        text("TRUNCATE " + ", ".join(f'"{t}"' for t in app_tables) + " RESTART IDENTITY CASCADE")
    )
    db.session.execute(
        text("UPDATE qpv SET geom = NULL, perimeter_source = NULL, perimeter_imported_at = NULL")
    )
    db.session.execute(text("UPDATE qpv_2024 SET geom = NULL, perimeter_source = NULL"))
    db.session.commit()


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session always picks the engine; in tests it must use the test connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind or self.bind or super().get_bind(mapper=mapper, clause=clause, **kwargs)


def _fresh_request_globals(sender, **extra):
    # Test-client requests reuse the test's app context (and so `g`): forget the per-request caches.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    g.pop("_flask_babel", None)  # Flask-Babel keeps the request's locale there


def _compile_stale_catalogs():
    # `make test` compiles them (Makefile); a bare `pytest` run gets the same, only when a .po changed.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path(__file__).resolve().parent.parent.glob("app/translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with mo.open("wb") as target:
                write_mo(target, catalog)


@pytest.fixture(scope="session")
def app():
    _compile_stale_catalogs()
    app = create_app(TestConfig)
    request_started.connect(_fresh_request_globals, app)
    with app.app_context():
        _reset_schema()
        upgrade(revision="heads")
        from app.territory.services import load_territory

        load_territory(app.config["TERRITORY_DIR"])
        db.session.commit()
        redis_connection().flushdb()
        db.session.remove()
    yield app


@pytest.fixture(autouse=True)
def db_session(request, app):
    """The rolled-back transaction around each test (or real commits for `committed` tests)."""
    if request.node.get_closest_marker("committed"):
        with app.app_context():
            truncate_app_tables()
            yield db.session
            db.session.remove()
            truncate_app_tables()
            db.session.remove()
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _BoundSession}
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _clean_redis(app):
    yield
    with app.app_context():
        redis_connection().flushdb()
        _fresh_rate_limits()


def _fresh_rate_limits():
    """Every test starts with no rate-limit counts. The limiter is one object: an app created by a test
    (create_app with another config) binds it to that app's storage, and a test that took Redis away leaves
    it on its in-memory fallback (it looks at Redis again only now and then); counts would pile up there
    from test to test and answer 429."""
    from app.extensions import limiter

    try:
        limiter.reset()
    except Exception:  # noqa: BLE001 - a storage that is down has nothing to reset
        pass
    if getattr(limiter, "_storage_dead", False):
        limiter._storage_dead = False
    fallback = getattr(limiter, "_fallback_storage", None)
    if fallback is not None:
        fallback.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def count_queries(app):
    """Context manager counting SQL statements: `with count_queries() as statements: ...`."""

    @contextmanager
    def counting():
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# --- factories ------------------------------------------------------------------------------------
@pytest.fixture
def make_user():
    from werkzeug.security import generate_password_hash

    from app.accounts.models import User

    counter = {"n": 0}

    def factory(role="resident", email=None, pseudonym=None, password=PASSWORD, confirmed=True, **extra):
        counter["n"] += 1
        n = f"{counter['n']}-{uuid.uuid4().hex[:8]}"  # unique over the run: the mail outbox is shared
        user = User(
            email=email or f"user{n}@exemple.fr",
            pseudonym=pseudonym or f"{role}{n}",
            password_hash=generate_password_hash(password),
            role=role,
            confirmed_at=utcnow() if confirmed else None,
            **extra,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_consultation():
    from app.consultations.services import create_consultation

    counter = {"n": 0}

    def factory(slug=None, qpv_codes=("QP062024",), is_open=True, **extra):
        counter["n"] += 1
        now = utcnow()
        opens, closes = (now - timedelta(days=10), now + timedelta(days=60))
        if not is_open:
            opens, closes = (now - timedelta(days=90), now - timedelta(days=1))
        extra.setdefault("title", f"Concertation de test {counter['n']}")
        consultation = create_consultation(
            slug=slug or f"concertation-test-{counter['n']}-{id(counter) % 100000}",
            qpv_codes=list(qpv_codes),
            opens_at=extra.pop("opens_at", opens),
            closes_at=extra.pop("closes_at", closes),
            **extra,
        )
        db.session.commit()
        return consultation

    return factory


@pytest.fixture
def make_contribution():
    """Insert a contribution directly (QPV and commune derived in SQL as the service does)."""
    from app.contributions.models import Contribution

    def factory(
        consultation,
        author=None,
        lon=None,
        lat=None,
        theme="cadre-de-vie-espaces-publics",
        title="Un banc à l'ombre près de l'école",
        body="Pour que les parents attendent assis.",
        status="published",
        source="web",
        geometry=None,
        **extra,
    ):
        if geometry is not None:
            geom_sql, params = "ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)", {"g": geometry}
        elif lon is not None:
            geom_sql, params = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)", {"lon": lon, "lat": lat}
        else:
            geom_sql = "(SELECT ST_PointOnSurface(geom) FROM consultations WHERE id = :cid)"
            params = {}
        params["cid"] = consultation.id
        row = db.session.execute(
            text(
                f"SELECT ST_AsEWKT(g), ST_AsEWKT(ST_PointOnSurface(g)),"
                " (SELECT insee FROM communes c WHERE ST_Intersects(c.geom, g) LIMIT 1),"
                " (SELECT code FROM qpv q WHERE q.geom IS NOT NULL AND ST_Intersects(q.geom, g) LIMIT 1)"
                f" FROM (SELECT {geom_sql} AS g) s"
            ),
            params,
        ).one()
        default_qpv = consultation.qpvs[0].code if consultation.qpvs else None
        contribution = Contribution(
            consultation_id=consultation.id,
            author_id=author.id if author else None,
            geom=row[0],
            anchor=row[1],
            commune_insee=row[2],
            qpv_code=extra.pop("qpv_code", row[3] or default_qpv),
            theme_slug=theme,
            title=title,
            body=body,
            status=status,
            source=source,
            published_at=utcnow() if status == "published" else None,
            **extra,
        )
        db.session.add(contribution)
        db.session.commit()
        return contribution

    return factory


@pytest.fixture
def make_vote():
    from app.contributions.models import Contribution, Vote

    def factory(contribution, user, value=1):
        db.session.add(Vote(contribution_id=contribution.id, user_id=user.id, value=value))
        column = Contribution.agree_count if value == 1 else Contribution.disagree_count
        db.session.execute(
            sa.update(Contribution).where(Contribution.id == contribution.id).values({column: column + 1})
        )
        db.session.commit()
        db.session.refresh(contribution)

    return factory


@pytest.fixture
def make_comment():
    from app.contributions.models import Comment, Contribution

    def factory(contribution, author, body="Bonne idée, il manque aussi de l'éclairage.", parent=None):
        comment = Comment(
            contribution_id=contribution.id,
            author_id=author.id if author else None,
            body=body,
            parent_id=parent.id if parent else None,
        )
        db.session.add(comment)
        db.session.execute(
            sa.update(Contribution)
            .where(Contribution.id == contribution.id)
            .values(comment_count=Contribution.comment_count + 1)
        )
        db.session.commit()
        return comment

    return factory


# --- authentication helpers -----------------------------------------------------------------------
def login(client, user):
    """Sign `user` in on this test client (session cookie), as Flask-Login would."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def csrf_token(client, path="/"):
    """The CSRF token of this client's session: a page's <meta name="csrf-token"> (signed in), else
    the one /api/csrf-token gives scripts (anonymous pages carry no token, hence no cookie)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    return match.group(1) if match else client.get("/api/csrf-token").get_json()["token"]


def bearer(user):
    """Authorization header with a new personal API token for `user`."""
    from app.accounts.auth import issue_token

    raw = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def run_jobs(app):
    """Run every queued RQ job in-process (a real RQ SimpleWorker on real Redis), burst mode."""
    from rq import SimpleWorker

    from app.extensions import get_queue

    def runner(queues=None):
        from app.jobs import commit_and_dispatch

        commit_and_dispatch()  # the test's pending writes commit: their outbox jobs go to RQ
        names = queues or app.config["RQ_QUEUES"]
        worker = SimpleWorker([get_queue(name) for name in names], connection=redis_connection())
        worker.work(burst=True)
        return worker

    return runner


# --- browser ----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def standby():
    """A REAL hot standby of the test database's cluster (pg_basebackup -R, free port), shared by the
    replica and capacity tests of the run; stopped and its folder removed afterwards."""
    from devtools.stack import Standby

    with Standby(TestConfig.SQLALCHEMY_DATABASE_URI) as server:
        yield server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """pytest-playwright's `page` speaks French (pages follow Accept-Language; Playwright says en-US)."""
    return {"locale": "fr-FR", **browser_context_args}


@pytest.fixture(scope="session")
def live_server(app):
    """The app served from a thread on 127.0.0.1 (use with @pytest.mark.committed)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


@pytest.fixture
def artifacts():
    """Folder for screenshots and files a test leaves for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
