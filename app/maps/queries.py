"""Map data for a viewport, built entirely in SQL: one statement per request.

At street zoom, the contributions themselves (published, plus the signed-in author's pending
ones), live. Below, the pre-aggregated grid: one aggregate per cell of the chosen level, at the
cells' weighted centroid, with the cell's dominant theme."""

from contextlib import contextmanager
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Engine, text

from app.errors import NotFound
from app.extensions import db
from app.geo.sql import bbox_params
from app.geo.tiles import cell_range, grid_level
from app.territory.identity import current_territory, sql_in_territory

STREET_ZOOM = 16
MAX_FEATURES = 500
MAX_CANDIDATES = 5000  # street zoom with a filter: the nearest visible ideas examined
CELL_FILTERS = {
    "theme": "g.theme_slug = :theme",
    "qpv": "g.qpv_code = :qpv",
    "outcome": "g.outcome = :outcome",
}


class MapRequest(NamedTuple):
    slug: str
    bbox: tuple
    zoom: int
    filters: dict  # {"theme": …, "qpv": …, "outcome": …}, only the given ones
    user_id: int | None = None


# The served territory's consultation named by :slug (another territory's is not served here).
CONSULTATION_BY_SLUG = (
    f"cons AS (SELECT id FROM consultations co WHERE co.slug = :slug AND {sql_in_territory('co')})"
)


def _where(filters, templates):
    return "".join(f" AND {templates[name]}" for name in sorted(filters))


# GeoJSON written by concatenation: three times cheaper than json_build_object per feature. Every
# value is a number, a GeoJSON geometry, JSON-escaped (theme) or bound by a CHECK constraint
# (status, outcome), so the text is valid JSON.
FEATURE_JSON = (
    """'{"type":"Feature","geometry":' || ST_AsGeoJSON(anchor, 6) || ',"properties":{"id":' || id"""
    """ || ',"theme":' || to_json(theme_slug) || ',"agree":' || agree_count || ',"disagree":' || disagree_count"""
    """ || ',"comments":' || comment_count || ',"outcome":' || coalesce('"' || outcome || '"', 'null')"""
    """ || ',"status":"' || status || '"}}'"""
)


def features_sql():
    """SQL of the street-zoom FeatureCollection: the (at most 500) visible ideas nearest the centre.

    map_street_features() (migration 0002) is planned with the GiST KNN scan only: it stops after
    501 rows however dense the area; with a filter, it examines the 5 000 nearest visible ideas."""
    return (
        f"WITH {CONSULTATION_BY_SLUG},"
        " rows AS (SELECT f.*, row_number() OVER () AS rn FROM map_street_features((SELECT id FROM cons),"
        " :minlon, :minlat, :maxlon, :maxlat, :user_id, :theme, :qpv, :outcome, :lim, :candidates) f)"
        """ SELECT (SELECT id FROM cons), '{"type":"FeatureCollection","truncated":'"""
        f""" || (count(id) > {MAX_FEATURES} OR coalesce(bool_or(capped), false)) || ',"features":['"""
        f" || coalesce(string_agg({FEATURE_JSON}, ',') FILTER (WHERE rn <= {MAX_FEATURES} AND id IS NOT NULL),"
        " '') || ']}' FROM rows"
    )


def clusters_sql(filters):
    """SQL of the aggregated FeatureCollection from the grid cells in a range of one level."""
    if set(filters) <= {"theme"}:
        return _cell_rows_sql("g.theme_slug = :theme" if filters else "g.theme_slug = '*'")
    return _detail_rows_sql(filters)


_CLUSTER_FEATURES = (
    """'{"type":"FeatureCollection","level":' || :level || ',"features":[' || coalesce(string_agg("""
    """'{"type":"Feature","geometry":{"type":"Point","coordinates":[' || round((sx / n)::numeric, 6)"""
    """ || ',' || round((sy / n)::numeric, 6) || ']},"properties":{"cluster": true,"count":' || n"""
    """ || ',"theme":' || to_json(theme) || '}}', ','), '') || ']}'"""
)
_CELLS = (
    " WHERE g.consultation_id = (SELECT id FROM cons) AND g.level = :level"
    " AND g.cell_x BETWEEN :x0 AND :x1 AND g.cell_y BETWEEN :y0 AND :y1"
)


def _cell_rows_sql(theme_condition):
    # Unfiltered or theme-filtered: one pre-computed row per cell.
    return (
        f"WITH {CONSULTATION_BY_SLUG},"
        " agg AS (SELECT g.count AS n, g.sum_x AS sx, g.sum_y AS sy, g.top_theme AS theme"
        f"  FROM map_grid_cells g{_CELLS} AND {theme_condition} AND g.outcome = '*' AND g.qpv_code = '*')"
        f" SELECT (SELECT id FROM cons), {_CLUSTER_FEATURES} FROM agg"
    )


def _detail_rows_sql(filters):
    # QPV or outcome filter: sum the detail rows of each cell, dominant theme on the fly.
    return (
        f"WITH {CONSULTATION_BY_SLUG},"
        " cells AS (SELECT g.cell_x, g.cell_y, g.theme_slug, sum(g.count) AS n, sum(g.sum_x) AS sx,"
        f"  sum(g.sum_y) AS sy FROM map_grid_cells g{_CELLS}"
        "  AND g.theme_slug <> '*' AND g.outcome <> '*' AND g.qpv_code <> '*'"
        f"{_where(filters, CELL_FILTERS)} GROUP BY 1, 2, 3),"
        " agg AS (SELECT sum(n) AS n, sum(sx) AS sx, sum(sy) AS sy,"
        "  (array_agg(theme_slug ORDER BY n DESC, theme_slug))[1] AS theme FROM cells GROUP BY cell_x, cell_y)"
        f" SELECT (SELECT id FROM cons), {_CLUSTER_FEATURES} FROM agg"
    )


@contextmanager
def _prepared(connection):
    """Lets psycopg prepare the map statement server-side, for this execution only.

    The app's connections do not prepare statements (a generic plan can be ruinous for a raw bbox
    query, see docs/stack_notes). The map statements are safe to prepare: the grid ones read a
    primary-key range whatever the parameters, and the street one calls map_street_features(),
    whose planner settings leave the GiST nearest-neighbour scan as its only plan (migration 0007).
    Preparing saves their parsing and planning (about 1 ms, a third of an aggregated viewport's
    time on 1 000 000 contributions)."""
    driver = connection.connection.driver_connection
    previous = driver.prepare_threshold
    driver.prepare_threshold = 0
    try:
        yield
    finally:
        driver.prepare_threshold = previous


def _read_connection():
    """The session's connection; in autocommit when the request has not opened a transaction yet.

    A read-only map request then costs no BEGIN/COMMIT round trips. A transaction already open
    (the signed-in user was loaded) or a connection given to the session (tests) is reused."""
    session = db.session()  # the request's Session behind the scoped proxy
    if session.in_transaction() or not isinstance(session.get_bind(), Engine):
        return session.connection()
    return session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def map_geojson(req):
    """The GeoJSON text of a viewport (one SQL statement), or NotFound for an unknown consultation."""
    params = {"slug": req.slug, "territory": current_territory(), **bbox_params(req.bbox)}
    if req.zoom >= STREET_ZOOM:
        sql = features_sql()
        params.update(
            {name: req.filters.get(name) for name in ("theme", "qpv", "outcome")},
            user_id=req.user_id,
            lim=MAX_FEATURES + 1,
            candidates=MAX_CANDIDATES if req.filters else MAX_FEATURES + 1,
        )
    else:
        level = grid_level(req.bbox, req.zoom)
        x0, y0, x1, y1 = cell_range(req.bbox, level)
        params.update(req.filters, level=level, x0=x0, y0=y0, x1=x1, y1=y1)
        sql = clusters_sql(req.filters)
    connection = _read_connection()
    with _prepared(connection):
        consultation_id, payload = connection.execute(text(sql), params).one()
    if consultation_id is None:
        raise NotFound(_("Cette concertation n'existe pas."))
    return payload
