"""In-process checks of the map endpoint on the bench database: statements, payloads, counts."""

import json

from sqlalchemy import event

from app.geo.sql import cell_x_sql, cell_y_sql
from app.geo.tiles import cell_range, cells_envelope
from bench._map_http import gzipped_size

STREET_FEATURES = "features"


def in_process_checks(database_url, redis_url, viewports, conn):
    """Per viewport through the Flask test client: SQL statements, bytes, features; low-zoom counts."""
    from app import create_app
    from app.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url}
    )
    client = app.test_client()
    sizes = {"raw": [], "level1": [], "level6": []}
    features, statements, mismatches, checked = [], [], [], 0
    with app.app_context():
        ids = dict(conn.execute("SELECT slug, id FROM consultations").fetchall())
        for view in viewports:
            body, count = _get_counting(client, db, view["path"])
            statements.append(count)
            sizes["raw"].append(len(body))
            sizes["level1"].append(gzipped_size(body, 1))
            sizes["level6"].append(gzipped_size(body, 6))
            data = json.loads(body)
            features.append(len(data["features"]))
            if "level" in data:
                checked += 1
                total = sum(f["properties"]["count"] for f in data["features"])
                expected = _bare_count(conn, ids[view["slug"]], view["box"], data["level"])
                if total != expected:
                    mismatches.append({"path": view["path"], "aggregates": total, "bare": expected})
    return {
        "raw_bytes_max": max(sizes["raw"]),
        "gzip_bytes_max": {"level1": max(sizes["level1"]), "level6": max(sizes["level6"])},
        "gzip_bytes_median_level6": sorted(sizes["level6"])[len(sizes["level6"]) // 2],
        "features_max": max(features),
        "sql_statements_max": max(statements),
        "aggregates": {
            "viewports_checked": checked,
            "mismatches": len(mismatches),
            "examples": mismatches[:3],
        },
    }


def _get_counting(client, db, path):
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    if response.status_code != 200:
        raise RuntimeError(f"{path} → {response.status_code} {response.get_data(as_text=True)[:200]}")
    return response.get_data(), len(statements)


def _bare_count(conn, consultation_id, box, level):
    """Published contributions whose level cell is one of the cells the bbox touches."""
    x0, y0, x1, y1 = cell_range(box, level)
    minlon, minlat, maxlon, maxlat = cells_envelope((x0, y0, x1, y1), level)
    margin = 1e-7
    sql = (
        "SELECT count(*) FROM contributions WHERE consultation_id = %s AND status = 'published'"
        " AND anchor && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        f" AND {cell_x_sql('ST_X(anchor)', level)} BETWEEN %s AND %s"
        f" AND {cell_y_sql('ST_Y(anchor)', level)} BETWEEN %s AND %s"
    )
    params = (
        consultation_id,
        minlon - margin,
        minlat - margin,
        maxlon + margin,
        maxlat + margin,
        x0,
        x1,
        y0,
        y1,
    )
    return conn.execute(sql, params).fetchone()[0]
