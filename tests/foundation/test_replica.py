"""Read replica with a REAL local hot standby (pg_basebackup -R of the test cluster, on a free port: the
`standby` fixture, devtools/stack.py): reads of read-only endpoints hit the standby, a resident who just
wrote reads the primary (sees their write at once), and past REPLICA_MAX_LAG_SECONDS every read goes
back to the primary."""

import time

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.conftest import csrf_token, login

pytestmark = [pytest.mark.committed]


def _superuser(standby):
    return create_engine(standby.superuser_url(), isolation_level="AUTOCOMMIT")


def _caught_up(standby):
    lsn = db.session.execute(text("SELECT pg_current_wal_lsn()::text")).scalar()
    engine = _superuser(standby)
    with engine.connect() as connection:
        for _ in range(200):
            if connection.execute(
                text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"), {"lsn": lsn}
            ).scalar():
                return engine
            time.sleep(0.05)
    raise AssertionError("the standby did not catch up")


def _replay(engine, on):
    with engine.connect() as connection:
        connection.execute(text(f"SELECT pg_wal_replay_{'resume' if on else 'pause'}()"))


def _app(standby, max_lag):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(DATABASE_REPLICA_URL=standby.url, REPLICA_MAX_LAG_SECONDS=max_lag)
    return create_app(config)


def test_reads_hit_the_standby_and_a_writer_sees_their_write_at_once(
    standby, make_consultation, make_contribution, make_user
):
    consultation = make_consultation()
    idea = make_contribution(consultation)
    voter = make_user()
    db.session.commit()
    engine = _caught_up(standby)
    app = _app(standby, max_lag=3600)
    author, anonymous = app.test_client(), app.test_client()
    login(author, voter)
    token = csrf_token(author)
    url = f"/api/contributions/{idea.id}"
    _replay(engine, on=False)  # the standby now lags: what it serves is visibly older
    try:
        vote = author.post(f"{url}/vote", json={"value": 1}, headers={"X-CSRFToken": token})
        assert vote.status_code == 200 and "cc_primary=" in vote.headers["Set-Cookie"]
        assert author.get(url).get_json()["votes"]["agree"] == 1  # the author reads the primary
        assert anonymous.get(url).get_json()["votes"]["agree"] == 0  # everyone else, the standby
        health = anonymous.get("/healthz").get_json()["replica"]
        assert health["serving_reads"] is True and health["lag_seconds"] >= 0
        strict = _app(standby, max_lag=0).test_client()
        time.sleep(0.2)
        assert strict.get(url).get_json()["votes"]["agree"] == 1  # too far behind: the primary
        assert strict.get("/healthz").get_json()["replica"]["serving_reads"] is False
    finally:
        _replay(engine, on=True)
        engine.dispose()
    _caught_up(standby).dispose()
    assert anonymous.get(url).get_json()["votes"]["agree"] == 1
