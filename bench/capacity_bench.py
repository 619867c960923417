"""Capacity benchmark (`make capacity`; also run by `make bench`): the production stack on this box
under a resident traffic mix at increasing open-loop rates.

Stack: gunicorn as `make run` (2 workers × 4 threads) on the bench database; in front, Debian's nginx
with the site configuration of docker-compose.yml (devtools/stack.py: only the upstream, the cache path
and the port substituted; "cache off" is the same site with `proxy_cache off`); for the replica
configurations, a streaming hot standby of the cluster made with `pg_basebackup -R` on a free port and
`DATABASE_REPLICA_URL` pointing at it. Four configurations: nginx cache on/off × replica on/off.

Traffic (MIX): anonymous visitors' map tiles (most of them on the consultation's opening view), street
-zoom map viewports (each pan a new bbox), idea pages, idea lists; votes and new ideas by signed-in bench
residents (API tokens, bench/_accounts.py), removed afterwards. Each step sends RATE requests per second
for STEP_SECONDS in open loop (bench/_openloop.py: latency from the scheduled time); the rates go up
until p95 passes 100 ms or a request fails. Figures per configuration: the highest rate held (p95 ≤ 100
ms, 0 errors), each step's latencies per kind, nginx's cache statuses (`$upstream_cache_status` of its
access log) and hit ratio, replica lag under load (the primary's pg_stat_replication, sampled every
LAG_INTERVAL s) and the share of transactions the standby served. Budget: ≥ 1 000 req/s of the mix
through nginx with 0 errors (DESIGN.md)."""

import argparse
import contextlib
import json
import os
import random
import re
import signal
import threading
import time
from collections import Counter

import psycopg

from bench import _accounts as accounts
from bench import _data as data
from bench import _map_http as web
from bench import _writes as writes
from bench._data import DATABASE_URL
from bench._openloop import Request, open_loop, percentile
from devtools.stack import SERVED_FROM_CACHE, Nginx, Standby, hit_ratio

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
ENV = {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "PYTHONDONTWRITEBYTECODE": "1", "PROXY_FIX": "1"}
DEFAULT_SIZES = [100_000]
# The resident traffic mix: share of each kind of request (they add up to 1).
MIX = {
    "tile": 0.55,  # map tiles below the street zoom, anonymous (what a map opening or a pan fetches)
    "viewport": 0.10,  # the map at the street zoom: one bbox request per pan
    "idea_page": 0.15,  # /idees/<id>
    "list": 0.12,  # /consultations/<slug>/idees, three sorts
    "vote": 0.06,  # POST /api/contributions/<id>/vote, signed in
    "new_idea": 0.02,  # POST /api/contributions, signed in
}
OPENING_VIEW_SHARE = 0.6  # tiles of the consultation map as it opens (zoom 13 and 14 on the site)
RATES = (100, 200, 300, 500, 700, 1000, 1300, 1600, 2000)
STEP_SECONDS = 20
WARMUP_SECONDS = 5
P95_BUDGET_MS = 100.0
GOAL_RPS = 1000
RESIDENTS = writes.RESIDENTS
LAG_INTERVAL = 0.25
CONFIGURATIONS = (  # (name, nginx cache, replica)
    ("sans cache, sans réplique", False, False),
    ("cache nginx, sans réplique", True, False),
    ("sans cache, avec réplique", False, True),
    ("cache nginx, avec réplique", True, True),
)
VIEW = (360, 640)  # a phone's map, px
TILE_URI = re.compile(r"/map/[0-9]+/[0-9]+/[0-9]+(\?|$)")


def run(args):
    """`make bench` / `make capacity`: the capacity figures at each size (100 000 contributions by default)."""
    args = argparse.Namespace(**{**vars(args), "sizes": getattr(args, "sizes", None) or DEFAULT_SIZES})
    rates = getattr(args, "rates", None) or RATES
    seconds = getattr(args, "step_seconds", None) or STEP_SECONDS

    def bench_size(size):
        generated = data.ensure_size(ENV, size)
        figures = measure(DATABASE_URL, REDIS_URL, {**ENV, **_secret()}, rates, seconds)
        return {"data": generated, **figures}

    with _terminate_as_interrupt():
        return data.run_sizes("capacity_bench", ENV, args, bench_size)


def _secret():
    key = os.environ.get("SECRET_KEY") or ""
    return {"SECRET_KEY": key} if key else {}


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM unwinds like Ctrl-C: every `finally` stops what it started (gunicorn, nginx, standby)."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- the whole measurement ---------------------------------------------------------------------
def measure(
    database_url,
    redis_url,
    env,
    rates=RATES,
    seconds=STEP_SECONDS,
    configurations=CONFIGURATIONS,
    residents=RESIDENTS,
    warmup=WARMUP_SECONDS,
    standby_shared_buffers="128MB",
):
    """Every configuration at increasing rates; the figures and the budget. Cleans up on any exit."""
    results = {"mix": MIX, "step_seconds": seconds, "configurations": {}}
    with psycopg.connect(database_url, autocommit=True) as conn, contextlib.ExitStack() as stack:
        stack.callback(_remove_writes, conn, redis_url)
        accounts.remove_bench_writes(conn)
        _, tokens = accounts.ensure_accounts(conn, residents)
        conn.execute("ANALYZE users")
        traffic = Traffic(conn, tokens)
        standby = None
        for name, cache, replica in configurations:
            if replica and standby is None:
                began = time.monotonic()
                standby = stack.enter_context(Standby(database_url, shared_buffers=standby_shared_buffers))
                standby.wait_streaming()
                results["standby_seconds_to_build"] = round(time.monotonic() - began, 1)
            server_env = {**env, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
            if replica:
                server_env["DATABASE_REPLICA_URL"] = standby.url
            figures = _Configuration(
                conn, redis_url, traffic, server_env, cache, standby if replica else None
            )
            results["configurations"][name] = figures.run(rates, seconds, warmup)
            _remove_writes(conn, redis_url)
            print(f"[capacity_bench] {name}: {_short(results['configurations'][name])}", flush=True)
    results.update(_summary(results["configurations"]))
    results["load_average"] = os.getloadavg()
    return results


def _remove_writes(conn, redis_url):
    accounts.remove_bench_writes(conn)
    accounts.empty_queue(redis_url)


def _short(figures):
    keys = ("held_rps", "gave_way", "cache_hit_ratio", "replica_lag")
    return {key: figures[key] for key in keys if key in figures}


def _summary(configurations):
    held = {name: figures["held_rps"] for name, figures in configurations.items()}
    best = max(held, key=held.get) if held else None
    lags = [figures["replica_lag"] for figures in configurations.values() if figures.get("replica_lag")]
    hits = {name: figures["cache_hit_ratio"] for name, figures in configurations.items() if figures["cache"]}
    return {
        "held_rps": held,
        "best": best,
        "nginx_cache_hit_ratio": hits,
        "replica_lag": {
            "max_s": max((lag["max_s"] for lag in lags), default=None),
            "p95_s": max((lag["p95_s"] for lag in lags), default=None),
            "max_bytes": max((lag["max_bytes"] for lag in lags), default=None),
            "p95_bytes": max((lag["p95_bytes"] for lag in lags), default=None),
        },
        "budgets": {
            f"mélange résident par nginx : ≥ {GOAL_RPS} req/s tenues, 0 erreur, p95 ≤ {P95_BUDGET_MS:.0f} ms": bool(
                held
            )
            and held[best] >= GOAL_RPS,
        },
    }


class _Configuration:
    """gunicorn (+ the standby's URL) behind nginx (cache on or off), stepped up until it gives way."""

    def __init__(self, conn, redis_url, traffic, env, cache, standby):
        self.conn, self.redis_url, self.traffic = conn, redis_url, traffic
        self.env, self.cache, self.standby = env, cache, standby

    def run(self, rates, seconds, warmup):
        server = web.Server(self.env)
        figures = {"cache": self.cache, "replica": self.standby is not None, "held_rps": 0, "steps": []}
        try:
            server.wait_ready()
            with (
                Nginx(f"http://127.0.0.1:{server.port}", cache=self.cache) as nginx,
                _LagSampler(self.standby) as lag,
            ):
                if warmup:
                    self._step(nginx, lag, rates[0], warmup)  # caches of every layer, connections
                for rate in rates:
                    step = self._step(nginx, lag, rate, seconds)
                    figures["steps"].append(step)
                    print(f"[capacity_bench]   {rate} req/s: {json.dumps(_brief(step))}", flush=True)
                    if not step["held"]:
                        figures["gave_way"] = {
                            "rate": rate,
                            "p95_ms": step["p95_ms"],
                            "errors": step["errors"],
                            "slowest_kind": max(step["p95_ms_by_kind"].items(), key=lambda kv: kv[1] or 0)[0],
                        }
                        break
                    figures["held_rps"] = rate
        finally:
            server.stop()
        statuses = sum((Counter(step["nginx_cache"]) for step in figures["steps"]), Counter())
        figures["cache_statuses"] = dict(statuses)
        figures["cache_hit_ratio"] = hit_ratio(
            statuses
        )  # over every request nginx looked up (tiles, viewports)
        figures["tile_cache_hit_ratio_last_step"] = (
            figures["steps"][-1]["tile_cache_hit_ratio"] if figures["steps"] else None
        )
        if self.standby is not None:
            samples = [sample for step in figures["steps"] for sample in step.pop("_lag", [])]
            figures["replica_lag"] = _lag_figures(samples)
        else:
            for step in figures["steps"]:
                step.pop("_lag", None)
        return figures

    def _step(self, nginx, lag, rate, seconds):
        accounts.reset_limits(self.redis_url)
        requests = self.traffic.requests(int(rate * seconds))
        nginx.log_lines()  # what came before this step
        lag.take()
        before = _transactions(self.conn, self.standby)
        outcomes, wall, cpu = open_loop(nginx.port, requests, rate)
        after = _transactions(self.conn, self.standby)
        latencies = [outcome.latency_ms for outcome in outcomes]
        errors = Counter(f"{o.kind} {o.status}" for o in outcomes if not o.ok)
        p95 = percentile(latencies, 95)
        step = {
            "rate": rate,
            "sent": len(outcomes),
            "errors": sum(errors.values()),
            "error_kinds": dict(errors.most_common(10)),
            "achieved_rps": round(len(outcomes) / wall, 1) if wall else None,
            "p50_ms": percentile(latencies, 50),
            "p95_ms": p95,
            "p99_ms": percentile(latencies, 99),
            "max_ms": percentile(latencies, 100),
            "p95_ms_by_kind": {
                kind: percentile([o.latency_ms for o in outcomes if o.kind == kind], 95) for kind in MIX
            },
            **_cache_figures(nginx.log_lines()),
            "client_cpu_s": round(cpu, 1),
            "load_average": os.getloadavg()[0],
        }
        step["held"] = step["errors"] == 0 and p95 is not None and p95 <= P95_BUDGET_MS
        if self.standby is not None:
            samples = lag.take()
            step["_lag"] = samples
            step["replica_lag"] = _lag_figures(samples)
            served = after["standby"] - before["standby"]
            total = served + after["primary"] - before["primary"]
            step["standby_transaction_share"] = round(served / total, 3) if total else None
        return step


def _cache_figures(lines):
    """nginx's cache statuses over the step (all requests, and the map tiles alone) and hit ratios."""
    statuses = Counter(cache for _, cache, _, _ in lines)
    tiles = Counter(cache for _, cache, _, uri in lines if TILE_URI.search(uri))
    served = sum(statuses.get(status, 0) for status in SERVED_FROM_CACHE)
    return {
        "nginx_cache": dict(statuses),
        "cache_hit_ratio": hit_ratio(statuses),
        "tile_cache_hit_ratio": hit_ratio(tiles),
        "answered_from_cache_share": round(served / len(lines), 4) if lines else None,
    }


def _brief(step):
    keys = ("sent", "errors", "achieved_rps", "p50_ms", "p95_ms", "cache_hit_ratio", "tile_cache_hit_ratio")
    keys += ("replica_lag", "standby_transaction_share")
    return {key: step[key] for key in keys if key in step}


def _transactions(conn, standby):
    """Transactions of the bench database so far, on the primary and on the standby."""
    sql = "SELECT coalesce(sum(xact_commit + xact_rollback), 0)::bigint FROM pg_stat_database WHERE datname = %s"
    name = conn.info.dbname
    counts = {"primary": conn.execute(sql, (name,)).fetchone()[0], "standby": 0}
    if standby is not None:
        with psycopg.connect(standby.superuser_url(), autocommit=True) as on_standby:
            counts["standby"] = on_standby.execute(sql, (name,)).fetchone()[0]
    return counts


def _lag_figures(samples):
    seconds = [sample["replay_lag_s"] for sample in samples]
    sizes = [sample["replay_bytes"] for sample in samples]
    return {
        "samples": len(samples),
        "max_s": max(seconds, default=None),
        "p95_s": percentile(seconds, 95) if seconds else None,
        "max_bytes": max(sizes, default=None),
        "p95_bytes": percentile(sizes, 95) if sizes else None,
    }


class _LagSampler:
    """The standby's lag read from the primary's pg_stat_replication every LAG_INTERVAL s, in a thread."""

    def __init__(self, standby):
        self.standby, self.samples, self.lock = standby, [], threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        if self.standby is not None:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)

    def _loop(self):
        with psycopg.connect(self.standby.superuser_url("primary"), autocommit=True) as conn:
            while not self.stopped.wait(LAG_INTERVAL):
                sample = self.standby.lag(conn)
                if sample is not None:
                    with self.lock:
                        self.samples.append(sample)

    def take(self):
        with self.lock:
            samples, self.samples = self.samples, []
        return samples


# --- the traffic ---------------------------------------------------------------------------------
class Traffic:
    """Requests of the mix, drawn from the database: the three consultations with the most ideas."""

    def __init__(self, conn, residents, seed=17):
        from app.geo.tiles import world_x, world_y

        self.world = world_x, world_y
        self.rng = random.Random(seed)
        self.residents = residents
        self.sent = Counter()
        self.sites = conn.execute(
            "SELECT c.id, c.slug FROM consultations c JOIN contributions x ON x.consultation_id = c.id"
            " WHERE x.status = 'published' GROUP BY 1, 2 ORDER BY count(*) DESC, c.id LIMIT 3"
        ).fetchall()
        if not self.sites:
            raise RuntimeError("aucune contribution publiée dans la base de mesure")
        ids = [cid for cid, _ in self.sites]
        # Where people look: each site's densest spots (grid level 15), the first one opens the map.
        self.centres = conn.execute(
            "SELECT s.slug, h.x, h.y, h.rank FROM (SELECT c.id, c.slug FROM consultations c WHERE c.id = ANY(%s)) s,"
            " LATERAL (SELECT sum_x / count AS x, sum_y / count AS y,"
            "  row_number() OVER (ORDER BY g.count DESC, g.cell_x, g.cell_y) AS rank FROM map_grid_cells g"
            "  WHERE g.consultation_id = s.id AND g.level = 15 AND g.theme_slug = '*'"
            "  ORDER BY g.count DESC, g.cell_x, g.cell_y LIMIT 3) h ORDER BY s.slug, h.rank",
            (ids,),
        ).fetchall()
        if not self.centres:
            raise RuntimeError("la grille de la carte n'est pas construite (flask maps rebuild-grid)")
        self.opening = [
            tile
            for slug, x, y, rank in self.centres
            if rank == 1
            for z in (13, 14)
            for tile in self._tiles(slug, x, y, z)
        ]
        self.ideas = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM contributions WHERE consultation_id = ANY(%s) AND status = 'published'"
                " ORDER BY random() LIMIT 5000",
                (ids,),
            )
        ]
        self.targets = writes.vote_targets(conn)
        self.places = writes.idea_places(conn, [slug for _, slug in self.sites])
        self.counter = 0

    def _tiles(self, slug, lon, lat, z):
        """The tile paths a phone's map at zoom z centred on lon/lat asks for (static/js/contributions-map.js)."""
        world_x, world_y = self.world
        n = 2**z
        half_x, half_y = VIEW[0] / 2 / (256 * n), VIEW[1] / 2 / (256 * n)
        cx, cy = world_x(lon), world_y(lat)
        xs = range(int((cx - half_x) * n), int((cx + half_x) * n) + 1)
        ys = range(int((cy - half_y) * n), int((cy + half_y) * n) + 1)
        return [f"/api/consultations/{slug}/map/{z}/{x}/{y}" for x in xs for y in ys]

    def _panned(self, zooms, spread_px=400):
        slug, lon, lat, _ = self.rng.choice(self.centres)
        z = self.rng.choice(zooms)
        scale = 360.0 / (256 * 2**z)  # degrees of longitude per pixel
        lon += self.rng.uniform(-spread_px, spread_px) * scale
        lat += self.rng.uniform(-spread_px, spread_px) * scale * 0.64  # cos(50°)
        return slug, lon, lat, z

    def kinds(self, n):
        """n kinds in the MIX proportions, interleaved (smooth weighted round robin, as nginx's)."""
        current = dict.fromkeys(MIX, 0.0)
        out = []
        for _ in range(n):
            for kind, weight in MIX.items():
                current[kind] += weight
            kind = max(current, key=current.get)
            current[kind] -= 1.0
            out.append(kind)
        return out

    def requests(self, n):
        return [getattr(self, f"_{kind}")() for kind in self.kinds(n)]

    def _tile(self):
        if self.rng.random() < OPENING_VIEW_SHARE:
            path = self.rng.choice(self.opening)
        else:
            slug, lon, lat, z = self._panned((12, 13, 14, 15))
            path = self.rng.choice(self._tiles(slug, lon, lat, z))
        return Request("tile", "GET", path)

    def _viewport(self):
        from app.geo.tiles import viewport_bbox

        slug, lon, lat, z = self._panned((16, 17))
        bbox = ",".join(f"{value:.5f}" for value in viewport_bbox(lon, lat, z, *VIEW))
        return Request("viewport", "GET", f"/api/consultations/{slug}/map?bbox={bbox}&zoom={z}")

    def _idea_page(self):
        return Request("idea_page", "GET", f"/idees/{self.rng.choice(self.ideas)}")

    def _list(self):
        _, slug = self.rng.choice(self.sites)
        sort = self.rng.choice(("", "?sort=soutenues", "?sort=debattues"))
        return Request("list", "GET", f"/consultations/{slug}/idees{sort}")

    def _next(self):
        self.counter += 1
        return self.counter % writes.THREADS, self.counter // writes.THREADS  # every resident in turn

    def _signed_in(self, token):
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def _vote(self):
        _, token, contribution, value = writes.vote_choice(*self._next(), self.residents, self.targets)
        body = json.dumps({"value": value}).encode()
        return Request(
            "vote", "POST", f"/api/contributions/{contribution}/vote", self._signed_in(token), body
        )

    def _new_idea(self):
        _, token, _, slug, point, theme, title = writes.idea_choice(
            *self._next(), self.residents, self.places
        )
        body = json.dumps(writes.idea_body(slug, point, theme, title)).encode()
        return Request("new_idea", "POST", "/api/contributions", self._signed_in(token), body, ok=(200, 201))
