"""`make capacity` machinery at a tiny rate, on the test database: gunicorn behind Debian's nginx (the
compose site), a REAL pg_basebackup standby as DATABASE_REPLICA_URL, the resident mix sent in open
loop, nginx's cache statuses counted, the replica lag read; then nothing left: processes, ports, folders.
(The full measurement is `make capacity`; this proves the machinery, not the figures.) Its time is mostly
the standby's copy of the whole local cluster: seconds on CI's, minutes where a bench database lives."""

import json
import os
import secrets

import pytest

from app.config import TestConfig
from app.extensions import db
from app.maps.grid import rebuild_grid
from bench import _map_http as web
from bench import capacity_bench
from devtools import stack

pytestmark = [pytest.mark.committed]
AREA = (2.805, 50.430, 2.835, 50.445)
ENV = {"SECRET_KEY": secrets.token_hex(32), "PYTHONDONTWRITEBYTECODE": "1", "PROXY_FIX": "1"}


@pytest.fixture
def started(monkeypatch):
    """Every gunicorn, nginx and standby the benchmark starts, as it was while running."""
    seen = {"gunicorn": [], "nginx": [], "standby": []}

    class Server(web.Server):
        def wait_ready(self, timeout=60):
            seen["gunicorn"].append(self)
            super().wait_ready(timeout)

    class Nginx(stack.Nginx):
        def start(self):
            super().start()
            seen["nginx"].append({"root": self.root, "port": self.port, "pid": self.pid()})

    class Standby(stack.Standby):
        def start(self):
            super().start()
            seen["standby"].append({"root": self.root, "port": self.port})

    monkeypatch.setattr(web, "Server", Server)
    monkeypatch.setattr(capacity_bench, "Nginx", Nginx)
    monkeypatch.setattr(capacity_bench, "Standby", Standby)
    return seen


def _nothing_left(seen):
    for server in seen["gunicorn"]:
        assert server.process.poll() is not None and not stack.port_open(server.port)
    for nginx in seen["nginx"]:
        assert nginx["pid"] and not stack._alive(nginx["pid"])
        assert not os.path.exists(nginx["root"]) and not stack.port_open(nginx["port"])
    for standby in seen["standby"]:
        assert not os.path.exists(standby["root"]) and not stack.port_open(standby["port"])


@pytest.fixture
def bench_data(make_consultation, seed_points):
    consultation = make_consultation()
    seed_points(consultation, 400, AREA)
    rebuild_grid(consultation.id)
    db.session.commit()
    return consultation


def _measure(configurations, rates=(20,), seconds=3):
    return capacity_bench.measure(
        TestConfig.SQLALCHEMY_DATABASE_URI,
        TestConfig.REDIS_URL,
        ENV,
        rates=rates,
        seconds=seconds,
        configurations=configurations,
        residents=20,
        warmup=0,
        standby_shared_buffers="32MB",
    )


def test_the_mix_goes_through_nginx_and_the_standby_then_everything_stops(bench_data, started):
    figures = _measure((("cache nginx, avec réplique", True, True),))
    run = figures["configurations"]["cache nginx, avec réplique"]
    step = run["steps"][0]
    assert step["sent"] == 60 and step["errors"] == 0, step["error_kinds"]
    assert all(step["p95_ms_by_kind"][kind] is not None for kind in capacity_bench.MIX)  # every kind sent
    if run["held_rps"] != 20:  # a busy machine: where and why it gave way is said
        assert run["gave_way"]["rate"] == 20 and step["p95_ms"] > capacity_bench.P95_BUDGET_MS
        assert run["gave_way"]["slowest_kind"] in capacity_bench.MIX
    # The opening view's tiles come back from nginx's cache.
    assert step["nginx_cache"].get("HIT", 0) > 0 and step["nginx_cache"].get("MISS", 0) > 0
    assert 0 < run["cache_hit_ratio"] < 1 and 0 < step["tile_cache_hit_ratio"] <= 1
    assert 0 < step["answered_from_cache_share"] < run["cache_hit_ratio"]  # lists, pages, writes: the app
    # Reads went to the standby; its lag was read from pg_stat_replication while the votes streamed.
    assert step["standby_transaction_share"] > 0
    assert step["replica_lag"]["samples"] >= 5 and step["replica_lag"]["max_bytes"] is not None
    assert figures["replica_lag"]["max_s"] is not None
    assert list(figures["budgets"]) == [next(iter(figures["budgets"]))]  # the 1 000 req/s goal, named
    assert figures["budgets"][next(iter(figures["budgets"]))] is False  # 20 req/s is not 1 000
    assert len(started["gunicorn"]) == len(started["nginx"]) == len(started["standby"]) == 1
    json.dumps(figures)  # bench/run.py writes them as JSON
    _nothing_left(started)
    with db.engine.connect() as conn:  # the bench residents' votes and ideas are gone
        from sqlalchemy import text

        left = (
            "SELECT count(*) FROM votes v JOIN users u ON u.id = v.user_id WHERE u.pseudonym LIKE 'bench-%'"
        )
        assert conn.execute(text(left)).scalar() == 0


def test_an_interrupted_run_stops_what_it_started(bench_data, started, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(capacity_bench, "open_loop", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _measure((("sans cache, sans réplique", False, False),))
    assert len(started["gunicorn"]) == len(started["nginx"]) == 1
    _nothing_left(started)


def test_cache_off_is_the_same_site_without_proxy_cache():
    on = stack.site_configuration("http://127.0.0.1:1", "/tmp/x", "127.0.0.1:2")
    off = stack.site_configuration("http://127.0.0.1:1", "/tmp/x", "127.0.0.1:2", cache=False)
    for zone in ("mapdata", "pages"):
        assert f"proxy_cache {zone};" in on and f"proxy_cache {zone};" not in off
    assert off == on.replace("proxy_cache mapdata;", "proxy_cache off;").replace(
        "proxy_cache pages;", "proxy_cache off;"
    )
    assert "web:8000" not in on and "$$" not in on and "listen 127.0.0.1:2;" in on


def test_the_mix_is_kept_in_any_window():
    traffic = capacity_bench.Traffic.__new__(capacity_bench.Traffic)
    kinds = traffic.kinds(1000)
    for kind, share in capacity_bench.MIX.items():
        assert abs(kinds.count(kind) - share * 1000) <= 1
        assert kind in kinds[:50]  # every kind within the first 50 requests
    assert abs(sum(capacity_bench.MIX.values()) - 1) < 1e-9
    assert "capacity_bench" in __import__("bench.run", fromlist=["MODULES"]).MODULES
