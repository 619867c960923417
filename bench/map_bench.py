"""Map benchmark (`make bench`): the map endpoint over phone viewports at 100k and 1M contributions.

For each size: (a) the bare SQL floor (bbox + LIMIT 500 + json_agg of ST_AsGeoJSON), (b) the endpoint
through gunicorn (2 workers) sequentially and its median ratio to the floor, (c) p95 under a paced
load of 50 requests/s, (d) gzipped payload, features and SQL statements per response, (e) at low
zoom, the aggregates' counts against a bare count of the same cells. Data are generated in
`cartecommune_bench` (`flask dev synth`) when the database does not hold the size asked for."""

import os
import statistics
import time

import psycopg

from bench import _data as data
from bench import _map_http as web
from bench._data import DATABASE_URL
from bench._map_checks import in_process_checks

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
ZOOMS = range(12, 18)
ROUNDS = 5
BARE_SQL = (
    "SELECT json_agg(ST_AsGeoJSON(anchor, 6)::json)::text FROM (SELECT anchor FROM contributions"
    " WHERE anchor && ST_MakeEnvelope(%s, %s, %s, %s, 4326) LIMIT 500) s"
)
ENV = {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "PYTHONDONTWRITEBYTECODE": "1"}


def run(args):
    """Run the map benchmark at each size of args.sizes; returns the figures (also printed)."""
    return data.run_sizes("map_bench", ENV, args, _bench_size)


def _bench_size(size):
    votes = data.votes_for(size)
    generated = data.ensure_size(ENV, size)
    with psycopg.connect(DATABASE_URL, prepare_threshold=None, autocommit=True) as conn:
        viewports = _viewports(conn)
        server = web.Server(ENV)
        try:
            server.wait_ready()
            sequential = _sequential(conn, server.port, viewports)
            load = web.paced_load(server.port, [v["path"] for v in viewports], rate=50, seconds=20)
        finally:
            server.stop()
        checks = in_process_checks(DATABASE_URL, REDIS_URL, viewports, conn)
    figures = _figures(size, votes, generated, viewports, sequential, load, checks)
    figures["load_average"] = os.getloadavg()
    return figures


def _viewports(conn):
    """Phone viewports (360×640 px) at zooms 12–17 around each NPNRU site and its two densest spots."""
    from app.geo.tiles import viewport_bbox

    centres = conn.execute(
        "SELECT c.slug, ST_X(p), ST_Y(p) FROM consultations c,"
        " LATERAL (SELECT ST_PointOnSurface(coalesce((SELECT geom FROM qpv WHERE code = c.npnru_qpv_code),"
        "  c.geom)) AS p) s WHERE c.npnru_qpv_code IS NOT NULL"
        " UNION ALL SELECT c.slug, h.x, h.y FROM consultations c, LATERAL (SELECT sum_x / count AS x,"
        "  sum_y / count AS y FROM map_grid_cells g WHERE g.consultation_id = c.id AND g.level = 15"
        "  AND g.theme_slug = '*' ORDER BY g.count DESC, g.cell_x, g.cell_y LIMIT 2) h"
        " WHERE c.npnru_qpv_code IS NOT NULL ORDER BY 1, 2"
    ).fetchall()
    viewports = []
    for slug, lon, lat in centres:
        for zoom in ZOOMS:
            box = viewport_bbox(lon, lat, zoom)
            bbox = ",".join(f"{value:.6f}" for value in box)
            path = f"/api/consultations/{slug}/map?bbox={bbox}&zoom={zoom}"
            viewports.append({"slug": slug, "zoom": zoom, "box": box, "path": path})
    return viewports


def _sequential(conn, port, viewports):
    """Interleaved timings (bare SQL then endpoint, per viewport), after one warm-up pass."""
    http = web.http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    timings = {"bare": [], "endpoint": [], "statuses": set()}
    for rnd in range(ROUNDS + 1):
        for view in viewports:
            started = time.perf_counter()
            conn.execute(BARE_SQL, view["box"]).fetchone()
            bare = (time.perf_counter() - started) * 1000
            elapsed, status, _ = web.timed_get(port, view["path"], http)
            timings["statuses"].add(status)
            if rnd:
                timings["bare"].append((view["zoom"], bare))
                timings["endpoint"].append((view["zoom"], elapsed))
    # One theme filter (the legend's toggle), endpoint only: not part of the ratio.
    timings["filtered"] = []
    for _ in range(2):
        for view in viewports:
            elapsed, status, _ = web.timed_get(port, view["path"] + "&theme=logement-habitat", http)
            timings["statuses"].add(status)
            timings["filtered"].append(elapsed)
    http.close()
    return timings


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 2)


def _figures(size, votes, generated, viewports, seq, load, checks):
    bare = [ms for _, ms in seq["bare"]]
    endpoint = [ms for _, ms in seq["endpoint"]]
    ratio = round(statistics.median(endpoint) / statistics.median(bare), 2)
    per_zoom = {}
    for zoom in ZOOMS:
        b = [ms for z, ms in seq["bare"] if z == zoom]
        e = [ms for z, ms in seq["endpoint"] if z == zoom]
        per_zoom[zoom] = {"bare_p50": percentile(b, 50), "endpoint_p50": percentile(e, 50)}
    load_p95 = percentile(load["latencies"], 95)
    return {
        "contributions": size,
        "votes": votes,
        "data": generated,
        "viewports": len(viewports),
        "bare_sql_ms": {"p50": percentile(bare, 50), "p95": percentile(bare, 95)},
        "endpoint_ms": {"p50": percentile(endpoint, 50), "p95": percentile(endpoint, 95)},
        "endpoint_statuses": sorted(seq["statuses"]),
        "ratio_endpoint_over_bare_median": ratio,
        "endpoint_theme_filter_ms": {
            "p50": percentile(seq["filtered"], 50),
            "p95": percentile(seq["filtered"], 95),
        },
        "per_zoom_ms": per_zoom,
        "load_50rps": {
            "requests": load["requests"],
            "errors": load["errors"],
            "achieved_rps": round(load["requests"] / max(load["wall_s"], 0.1), 1),
            "p50": percentile(load["latencies"], 50),
            "p95": load_p95,
        },
        **checks,
        "budgets": {
            "ratio_le_1_5": ratio <= 1.5,
            "load_p95_le_100ms": load_p95 is not None and load_p95 <= 100 and load["errors"] == 0,
            "gzip_le_50KiB": checks["gzip_bytes_max"]["level6"] <= 50 * 1024,
            "features_le_500": checks["features_max"] <= 500,
            "statements_le_5": checks["sql_statements_max"] <= 5,
            "aggregates_add_up": checks["aggregates"]["mismatches"] == 0,
        },
    }
