"""Pages benchmark (`make bench`): every list, detail and back-office page at 100k and 1M contributions,
next to the `/healthz` anchor, then the vote and idea-creation rates next to their SQL floor.

Through gunicorn (2 workers × 4 threads, as `make run`), sequential keep-alive requests, ROUNDS
interleaved rounds after a warm-up; the back office is read with an admin's API token. Budgets: every
page p95 ≤ 100 ms; page 1 000 of a list (a cursor 20 000 rows deep) as fast as page 1; writes: see
bench/_writes.py. Data come from `flask dev synth` in the bench database (bench/_data.py)."""

import http.client
import os
import statistics
import time

import psycopg

from bench import _accounts as accounts
from bench import _data as data
from bench import _map_http as web
from bench import _writes as writes_bench
from bench._data import DATABASE_URL

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
ENV = {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "PYTHONDONTWRITEBYTECODE": "1"}
ROUNDS = 40  # p95 of 40 samples is the 38th, not the maximum
BUDGET_MS = 100.0
ANCHOR = "healthz (ancre)"
DEEP_ROWS = 20_000  # page 1 000 of 20 ideas
SORT_KEYS = {
    "recent": "created_at",
    "soutenues": "agree_count - disagree_count",
    "debattues": "2 * least(agree_count, disagree_count) + comment_count",
}


def run(args):
    """Run the pages (and writes) benchmark at each size of args.sizes; returns the figures."""
    return data.run_sizes("pages_bench", ENV, args, _bench_size)


def _bench_size(size):
    generated = data.ensure_size(ENV, size)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        accounts.remove_bench_writes(conn)
        admin, residents = accounts.ensure_accounts(conn, writes_bench.RESIDENTS)
        # What autovacuum does in production (this machine's PostgreSQL runs without it): the rows the
        # write benchmarks removed and the tokens renewed, reclaimed before measuring, so that a run
        # does not inherit the garbage of the previous ones.
        accounts.vacuum_written(conn)
        pages = _pages(conn, size)
        server = web.Server(ENV)
        try:
            server.wait_ready()
            timings = _measure(server.port, pages, admin)
            writes = writes_bench.run_writes(conn, server.port, residents, REDIS_URL)
        finally:
            server.stop()
            accounts.remove_bench_writes(conn)
            accounts.empty_queue(REDIS_URL)
    figures = {"data": generated, "pages": timings, "writes": writes, "load_average": os.getloadavg()}
    figures["budgets"] = {**_budgets(timings), **writes.pop("budgets")}
    return figures


def _pages(conn, size):
    """{name: [paths]} of every page measured (several paths: rotated over the rounds)."""
    slug, cid = conn.execute(
        "SELECT c.slug, c.id FROM consultations c JOIN contributions x ON x.consultation_id = c.id"
        " GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    ids = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM contributions WHERE consultation_id = %s AND status IN ('pending', 'published')"
            " ORDER BY id LIMIT 5 OFFSET %s",
            (cid, size // 20),
        )
    ]
    ideas, api = f"/consultations/{slug}/idees", f"/api/consultations/{slug}/contributions"
    pages = {
        ANCHOR: ["/healthz"],
        "accueil /": ["/"],
        "page de la concertation": [f"/consultations/{slug}"],
        "page du territoire": ["/territoire"],
        "liste des idées": [ideas],
        "liste des idées, page 1000": [f"{ideas}?apres={_deep_cursor(conn, cid, 'recent')}"],
        "liste des idées, recherche q=": [f"{ideas}?q=parc", f"{ideas}?q=eclairage"],
        "modération : détail d'une contribution": [f"/moderation/contributions/{i}" for i in ids],
        "modération : doublons (API)": [f"/api/moderation/contributions/{i}/duplicates" for i in ids],
        "modération : comptes": ["/moderation/utilisateurs"],
        "modération : comptes, page profonde": [f"/moderation/utilisateurs?apres={_deep_user(conn)}"],
        "modération : commentaires": ["/moderation/commentaires?tab=published"],
        "modération : journal": ["/moderation/journal"],
        "exports": ["/exports"],
        "rapports (index)": ["/rapports"],
        "OGC items, page profonde": [
            f"/ogc/collections/{slug}-points/items?limit=100&after={_deep_id(conn, cid, size)}"
        ],
    }
    for sort in SORT_KEYS:
        pages[f"API liste tri={sort}"] = [f"{api}?sort={sort}"]
        pages[f"API liste tri={sort}, page 1000"] = [
            f"{api}?sort={sort}&cursor={_deep_cursor(conn, cid, sort)}"
        ]
    pages["API liste q="] = [f"{api}?q=parc", f"{api}?q=banc&sort=soutenues"]
    for tab in ("pending", "flagged", "published", "rejected", "hidden", "merged"):
        pages[f"modération : boîte, onglet {tab}"] = [f"/moderation?tab={tab}"]
        pages[f"modération : boîte {slug[:12]}…, onglet {tab}"] = [
            f"/moderation/concertations/{slug}?tab={tab}"
        ]
    return pages


def _deep_cursor(conn, cid, sort):
    """The cursor of page 1 000 (20 000 rows down) of the consultation's list in this sort."""
    from app import keyset

    row = conn.execute(
        f"SELECT {SORT_KEYS[sort]}, id FROM contributions WHERE consultation_id = %s AND status = 'published'"
        f" ORDER BY {SORT_KEYS[sort]} DESC, id DESC OFFSET %s LIMIT 1",
        (cid, DEEP_ROWS - 1),
    ).fetchone()
    return keyset.encode(sort, row)


def _deep_id(conn, cid, size):
    """The id after which the OGC points collection's page at depth size / 10 starts (keyset `after`)."""
    return conn.execute(
        "SELECT id FROM contributions WHERE consultation_id = %s AND status = 'published'"
        " AND ST_Dimension(geom) = 0 ORDER BY id OFFSET %s LIMIT 1",
        (cid, size // 10),
    ).fetchone()[0]


def _deep_user(conn):
    from app import keyset

    row = conn.execute(
        "SELECT pseudonym FROM users WHERE deleted_at IS NULL ORDER BY pseudonym OFFSET %s LIMIT 1",
        (DEEP_ROWS,),
    ).fetchone()
    return keyset.encode("users", row)


def _get(conn, path, token):
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    return (time.perf_counter() - started) * 1000, response.status


def _measure(port, pages, token):
    """{name: {p50, p95, max, statuses}} over ROUNDS interleaved rounds after a warm-up round."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = {name: [] for name in pages}
    statuses = {name: set() for name in pages}
    for rnd in range(ROUNDS + 1):
        for name, paths in pages.items():
            elapsed, status = _get(conn, paths[rnd % len(paths)], token)
            statuses[name].add(status)
            if rnd:
                samples[name].append(elapsed)
    conn.close()
    return {name: _summary(values, statuses[name]) for name, values in samples.items()}


def _summary(values, statuses):
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "max_ms": round(ordered[-1], 1),
        "statuses": sorted(statuses),
    }


def _budgets(timings):
    budgets = {}
    for name, figures in timings.items():
        budgets[f"{name} : p95 ≤ {BUDGET_MS:.0f} ms"] = figures["p95_ms"] <= BUDGET_MS
        if name != ANCHOR:  # the anchor times the app's cheapest answer (503 while the bench runs no worker)
            budgets[f"{name} : réponses 200"] = figures["statuses"] == [200]
        if name.endswith(", page 1000"):
            first = timings[name.removesuffix(", page 1000")]["p50_ms"]
            budgets[f"{name} : aussi rapide que la page 1"] = figures["p50_ms"] <= max(1.5 * first, first + 5)
    return budgets
