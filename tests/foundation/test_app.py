import secrets
from html import unescape

import pytest
import redis

from app import create_app
from app.config import TestConfig


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["database"], body["redis"]) == ("ok", "ok")
    assert body["outbox"] == {"undispatched": 0, "oldest_age_seconds": None}
    assert body["queues"]["queued"] == 0


def test_healthz_is_503_when_redis_is_down(app):
    broken = create_app(
        {
            **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
            "REDIS_URL": "redis://127.0.0.1:1/0",
        }
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok" and body["redis"].startswith("erreur")


@pytest.mark.parametrize("secret", [None, "", "dev-not-secret", "change-me", "court"])
def test_production_refuses_a_missing_or_default_secret(secret):
    config = {"ENV_NAME": "production", "SECRET_KEY": secret}
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_real_secret():
    key = secrets.token_hex(32)
    app = create_app({"ENV_NAME": "production", "SECRET_KEY": key})
    assert app.config["SECRET_KEY"] == key


def test_errors_are_french_json_envelopes_on_the_api(client):
    response = client.get("/api/consultations/inexistante")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"code": "not_found", "message": "Cette concertation n'existe pas.", "fields": {}}
    }
    html = client.get("/page-inexistante")
    assert html.status_code == 404
    assert "Cette page ou cette ressource n'existe pas." in unescape(html.get_data(as_text=True))


def test_method_not_allowed_keeps_the_allow_header(client):
    response = client.delete("/api/consultations")
    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")


def test_redis_is_real(app):
    with app.app_context():
        from app.extensions import redis_connection

        conn = redis_connection()
        assert isinstance(conn, redis.Redis)
        conn.set("carte-commune:test", "1")
        assert conn.get("carte-commune:test") == b"1"


def test_leaflet_is_served_locally(client):
    response = client.get("/vendor/leaflet/leaflet.js")
    assert response.status_code == 200 and b"Leaflet" in response.data[:500]


def test_one_migration_head_and_models_match_the_schema(app):
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config as AlembicConfig
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from geoalchemy2.alembic_helpers import include_object

    from app.extensions import db

    config = AlembicConfig()
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        assert compare_metadata(context, db.metadata) == []


def test_the_served_app_is_kept_out_of_the_garbage_collector_s_walks():
    """gunicorn's entry point freezes what the app holds for its lifetime (gc.freeze): a full
    collection during requests no longer walks it. Run in a fresh interpreter (the test process
    has its own collector state)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = "import gc, wsgi; print(gc.get_freeze_count())"
    env = {
        **os.environ,
        "DATABASE_URL": TestConfig.SQLALCHEMY_DATABASE_URI,
        "SECRET_KEY": secrets.token_hex(32),
    }
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.split()[-1]) > 100_000
