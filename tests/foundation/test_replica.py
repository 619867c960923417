"""Read replica with a REAL local hot standby (pg_basebackup -R of the test cluster, on a free port):
reads of read-only endpoints hit the standby, a resident who just wrote reads the primary (sees
their write at once), and past REPLICA_MAX_LAG_SECONDS every read goes back to the primary."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.conftest import csrf_token, login

PG_BIN = "/usr/lib/postgresql/15/bin"
pytestmark = [pytest.mark.committed]


def _postgres(*cmd, **kwargs):
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True, text=True, **kwargs
    )


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _allow_replication(host, port):
    """The cluster is replica-capable (wal_level=replica, max_wal_senders); its pg_hba may lack the
    replication line: it is added and the configuration reloaded (a reload, never a restart)."""
    sql = "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND error IS NULL"
    psql = [f"{PG_BIN}/psql", "-h", host, "-p", str(port), "-U", "postgres", "-Atc"]
    if _postgres(*psql, sql).stdout.strip() != "0":
        return
    hba = _postgres(*psql, "SHOW hba_file").stdout.strip()
    with open(hba, "a") as handle:
        handle.write(
            "\n# Carte Commune tests: local standby (pg_basebackup)\nhost replication all 127.0.0.1/32 trust\n"
        )
    _postgres(*psql, "SELECT pg_reload_conf()")
    time.sleep(1)


@pytest.fixture(scope="session")
def standby():
    """A hot standby of the test database's cluster on a free port; dropped afterwards."""
    primary = urlsplit(TestConfig.SQLALCHEMY_DATABASE_URI)
    host, port = primary.hostname, primary.port or 5432
    _allow_replication(host, port)
    root = tempfile.mkdtemp(prefix="cc-standby-")
    data, new_port = os.path.join(root, "data"), _free_port()
    shutil.chown(root, "postgres")
    _postgres(
        f"{PG_BIN}/pg_basebackup",
        "-h",
        host,
        "-p",
        str(port),
        "-U",
        "postgres",
        "-D",
        data,
        "-R",
        "-X",
        "stream",
        "--checkpoint=fast",
        timeout=600,
    )
    with open(os.path.join(data, "postgresql.conf"), "w") as conf:
        conf.write(
            f"port = {new_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
            "hot_standby = on\nshared_buffers = 32MB\nmax_connections = 100\nlogging_collector = off\n"
        )
    with open(os.path.join(data, "pg_hba.conf"), "w") as hba:
        hba.write("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    open(os.path.join(data, "pg_ident.conf"), "w").close()
    subprocess.run(["chown", "-R", "postgres:postgres", root], check=True)
    _postgres(f"{PG_BIN}/pg_ctl", "-D", data, "-l", os.path.join(root, "log"), "-w", "-t", "120", "start")
    url = primary._replace(netloc=f"{primary.username}@127.0.0.1:{new_port}").geturl()
    try:
        yield {"url": url, "port": new_port, "root": root}
    finally:
        _postgres(f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _superuser(standby):
    return create_engine(
        f"postgresql://postgres@127.0.0.1:{standby['port']}/postgres", isolation_level="AUTOCOMMIT"
    )


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
    config.update(DATABASE_REPLICA_URL=standby["url"], REPLICA_MAX_LAG_SECONDS=max_lag)
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
