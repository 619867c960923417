"""OGC API – Features benchmark (`make bench`): items with a bbox and limit=100 over the phone viewports.

For each size: (a) the raw SQL floor — the very statement the endpoint runs (bbox + keyset + LIMIT,
features built by PostgreSQL), on a direct psycopg connection — then (b) the endpoint through
gunicorn, interleaved viewport by viewport, sequential; (c) the first and the last page of the
largest collection (keyset `after`): the last must cost what the first costs. Same database and
viewports as the map benchmark."""

import os
import statistics
import time

import psycopg

from bench import _data as data
from bench import _map_http as web
from bench._data import DATABASE_URL
from bench.map_bench import _viewports, percentile

REDIS_URL = os.environ.get("BENCH_OGC_REDIS_URL", "redis://127.0.0.1:6379/14")
ROUNDS = 5
PAGE_RUNS = 30
ENV = {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "PYTHONDONTWRITEBYTECODE": "1"}


def run(args):
    """Run the OGC benchmark at each size of args.sizes; returns the figures."""
    return data.run_sizes("ogc_bench", ENV, args, _bench_size)


def _bench_size(size):
    generated = data.ensure_size(ENV, size)
    with psycopg.connect(DATABASE_URL, prepare_threshold=None, autocommit=True) as conn:
        conn.execute("SET max_parallel_workers_per_gather = 0")  # as the endpoint (get_collection)
        conn.execute("SET jit = off")  # as every connection of the app (config.py)
        token, statements = _prepare(conn)
        views = [v for v in _viewports(conn) if v["slug"] in statements["ids"]]
        server = web.Server(ENV)
        try:
            server.wait_ready()
            sequential = _sequential(conn, server.port, views, statements, token)
            pages = _first_and_last(conn, server.port, statements, token)
        finally:
            server.stop()
    return _figures(size, generated, views, sequential, pages)


def _prepare(conn):
    """A reader's token and, in the app, the exact statements of the endpoint (no HTTP)."""
    from app import create_app
    from app.accounts.auth import issue_token
    from app.accounts.models import User
    from app.exports import ogc_queries
    from app.exports.ogc_params import parse_item_query
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "REDIS_URL": REDIS_URL})
    with app.app_context():
        admin = db.session.scalars(db.select(User).where(User.role == "admin").limit(1)).first()
        token = issue_token(admin, name="bench ogc") if admin else None
        db.session.commit()
        ids = dict(conn.execute("SELECT slug, id FROM consultations").fetchall())

        def statement(slug, query_string):
            from werkzeug.datastructures import MultiDict

            query = parse_item_query(MultiDict(query_string))
            return ogc_queries.item_page_sql(ids[slug], 0, query)

        return token, {"ids": ids, "build": statement, "app": app}


def _sql(statements, slug, args):
    with statements["app"].app_context():
        return statements["build"](slug, args)


def _timed_sql(conn, statement, params):
    started = time.perf_counter()
    conn.execute(statement, params).fetchall()
    return (time.perf_counter() - started) * 1000


def _headers_get(port, path, http_conn, token):
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http_conn.request("GET", path, headers=headers)
    response = http_conn.getresponse()
    response.read()
    return (time.perf_counter() - started) * 1000, response.status


def _sequential(conn, port, views, statements, token):
    """Interleaved timings, per viewport: raw statement, then the endpoint; one warm-up pass."""
    http_conn = web.http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    timings = {"raw": [], "endpoint": [], "statuses": set()}
    prepared = []
    for view in views:
        bbox = ",".join(f"{value:.6f}" for value in view["box"])
        statement, params = _sql(statements, view["slug"], [("bbox", bbox), ("limit", "100")])
        path = f"/ogc/collections/{view['slug']}-points/items?bbox={bbox}&limit=100"
        prepared.append((view, statement, params, path))
    for rnd in range(ROUNDS + 1):
        for view, statement, params, path in prepared:
            raw = _timed_sql(conn, statement, params)
            elapsed, status = _headers_get(port, path, http_conn, token)
            timings["statuses"].add(status)
            if rnd:
                timings["raw"].append((view["zoom"], raw))
                timings["endpoint"].append((view["zoom"], elapsed))
    http_conn.close()
    return timings


def _first_and_last(conn, port, statements, token):
    """The first page and the last page (keyset) of the largest points collection, each PAGE_RUNS times."""
    ids = statements["ids"]
    slug, count, last_after = conn.execute(
        "SELECT co.slug, count(*), (array_agg(c.id ORDER BY c.id DESC))[101] FROM contributions c"
        " JOIN consultations co ON co.id = c.consultation_id WHERE c.status = 'published'"
        " AND ST_Dimension(c.geom) = 0 AND co.id = ANY(%s) GROUP BY co.slug ORDER BY 2 DESC LIMIT 1",
        (list(ids.values()),),
    ).fetchone()
    http_conn = web.http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    base = f"/ogc/collections/{slug}-points/items?limit=100"
    figures = {"collection": f"{slug}-points", "features": count}
    for name, path in (("first", base), ("last", f"{base}&after={last_after}")):
        runs = [_headers_get(port, path, http_conn, token) for _ in range(PAGE_RUNS + 1)][1:]
        figures[f"{name}_ms"] = {
            "p50": percentile([ms for ms, _ in runs], 50),
            "p95": percentile([ms for ms, _ in runs], 95),
        }
        figures[f"{name}_statuses"] = sorted({status for _, status in runs})
    http_conn.close()
    return figures


def _figures(size, generated, views, seq, pages):
    raw = [ms for _, ms in seq["raw"]]
    endpoint = [ms for _, ms in seq["endpoint"]]
    ratio = round(statistics.median(endpoint) / statistics.median(raw), 2)
    p95 = percentile(endpoint, 95)
    first, last = pages["first_ms"]["p50"], pages["last_ms"]["p50"]
    return {
        "contributions": size,
        "data": generated,
        "viewports": len(views),
        "raw_sql_ms": {"p50": percentile(raw, 50), "p95": percentile(raw, 95)},
        "endpoint_ms": {"p50": percentile(endpoint, 50), "p95": p95},
        "endpoint_statuses": sorted(seq["statuses"]),
        "ratio_endpoint_over_raw_median": ratio,
        "pages": pages,
        "load_average": os.getloadavg(),
        "budgets": {
            "ratio_le_1_5": ratio <= 1.5 and seq["statuses"] == {200},
            "p95_le_50ms": p95 is not None and p95 <= 50,
            # « as fast as the first »: within 1.5× (or 2 ms) of the first page's median.
            "last_page_as_fast_as_first": last <= max(1.5 * first, first + 2)
            and pages["last_statuses"] == [200],
        },
    }
