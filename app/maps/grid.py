"""The pre-aggregated map grid: rebuilt per consultation from its published contributions.

For each level and cell: a total row (theme = outcome = QPV = '*', with the dominant theme), one
row per theme, and the detail rows per (theme, outcome, QPV) for the rarer filters. Coarser levels
are summed from the finest (a level-L cell is 4**(17 - L) level-17 cells: exact, same membership)."""

import time

from sqlalchemy import text

from app.extensions import db
from app.geo.sql import cell_x_sql, cell_y_sql
from app.geo.tiles import GRID_LEVELS

FINEST = max(GRID_LEVELS)
ALL = "*"

REBUILD_SQL = (
    "WITH fine AS MATERIALIZED ("
    f" SELECT {cell_x_sql('x', FINEST)} AS cell_x, {cell_y_sql('y', FINEST)} AS cell_y,"
    " theme_slug, outcome, qpv_code, count(*) AS n, sum(x) AS sx, sum(y) AS sy"
    " FROM (SELECT ST_X(anchor) AS x, ST_Y(anchor) AS y, theme_slug, coalesce(outcome, '') AS outcome,"
    "  coalesce(qpv_code, '') AS qpv_code FROM contributions"
    "  WHERE consultation_id = :cid AND status = 'published') c"
    " GROUP BY 1, 2, 3, 4, 5),"
    " detail AS MATERIALIZED (SELECT l.level, f.cell_x >> (:finest - l.level) AS cell_x,"
    "  f.cell_y >> (:finest - l.level) AS cell_y, theme_slug, outcome, qpv_code,"
    "  sum(n) AS n, sum(sx) AS sx, sum(sy) AS sy"
    "  FROM fine f CROSS JOIN unnest(CAST(:levels AS int[])) AS l(level) GROUP BY 1, 2, 3, 4, 5, 6),"
    " themes AS MATERIALIZED (SELECT level, cell_x, cell_y, theme_slug, sum(n) AS n, sum(sx) AS sx,"
    "  sum(sy) AS sy FROM detail GROUP BY 1, 2, 3, 4)"
    " INSERT INTO map_grid_cells (consultation_id, level, theme_slug, outcome, qpv_code, cell_x, cell_y,"
    " count, sum_x, sum_y, top_theme)"
    " SELECT :cid, level, theme_slug, outcome, qpv_code, cell_x, cell_y, n, sx, sy, theme_slug FROM detail"
    " UNION ALL SELECT :cid, level, theme_slug, '*', '*', cell_x, cell_y, n, sx, sy, theme_slug FROM themes"
    " UNION ALL SELECT :cid, level, '*', '*', '*', cell_x, cell_y, sum(n), sum(sx), sum(sy),"
    "  (array_agg(theme_slug ORDER BY n DESC, theme_slug))[1] FROM themes GROUP BY level, cell_x, cell_y"
)


def rebuild_grid(consultation_id):
    """Recount the grid cells of one consultation (all levels); flushes, the caller commits."""
    started = time.perf_counter()
    # One rebuild at a time per consultation: a concurrent one would collide on the primary key.
    db.session.execute(text("SELECT pg_advisory_xact_lock(7411, :cid)"), {"cid": consultation_id})
    db.session.execute(
        text("DELETE FROM map_grid_cells WHERE consultation_id = :cid"), {"cid": consultation_id}
    )
    params = {"cid": consultation_id, "finest": FINEST, "levels": list(GRID_LEVELS)}
    db.session.execute(text(REBUILD_SQL), params)
    seconds = time.perf_counter() - started
    # clock_timestamp(): each rebuild gets its own instant, the version in the map tiles' ETag.
    db.session.execute(
        text(
            "INSERT INTO map_grid_state (consultation_id, refreshed_at, contributions, seconds)"
            " SELECT :cid, clock_timestamp(), coalesce(sum(count), 0), :seconds FROM map_grid_cells"
            " WHERE consultation_id = :cid AND level = :level AND theme_slug = '*'"
            " ON CONFLICT (consultation_id) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at,"
            " contributions = EXCLUDED.contributions, seconds = EXCLUDED.seconds"
        ),
        {"cid": consultation_id, "seconds": seconds, "level": FINEST},
    )
    return {"consultation_id": consultation_id, "seconds": round(seconds, 3)}


def rebuild_all_grids():
    """Rebuild the grid of every consultation; returns one summary per consultation."""
    ids = db.session.scalars(text("SELECT id FROM consultations ORDER BY id")).all()
    return [rebuild_grid(cid) for cid in ids]
