"""SQL of the OGC API – Features endpoint: collections with extents, pages of published items.

One statement per read (features and counts built by PostgreSQL), bbox on the GiST index."""

from flask import current_app

from app.exports import sql
from app.exports.services import anonymous_salt
from app.exports.urls import contribution_page_prefix
from app.extensions import db
from app.territory.identity import current_territory

_COLUMNS = (
    "co.id, co.slug, co.title, co.summary, co.data_public, co.is_published, co.opens_at, co.closes_at,"
    " co.geometry_kinds"
)
COLLECTION_COLUMNS = (
    f"SELECT {_COLUMNS}, ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy"
    " FROM consultations co,"
    # The perimeter's envelope buffered, not the perimeter: the same extent, 10× cheaper per request.
    " LATERAL (SELECT ST_Envelope(ST_Buffer(ST_Envelope(co.geom)::geography, co.buffer_m)::geometry) AS e) ext"
)


# Another territory's consultations are not served here (several territories may share a database).
OWN_TERRITORY = "coalesce(co.territory, %(territory)s) = %(territory)s"
SERIAL = "set_config('max_parallel_workers_per_gather', '0', true) AS serial"


def _execute(statement, params):
    return db.session.connection().exec_driver_sql(statement, params)


def list_collections(private_ids):
    """Consultations of the served territory served as collections: the public ones, and those whose
    non-public data the caller reads (`private_ids`: their ids, or None for all of them)."""
    params = {"territory": current_territory()}
    condition = "TRUE"
    if private_ids is not None:
        condition = "((co.is_published AND co.data_public) OR co.id = ANY(%(private_ids)s))"
        params["private_ids"] = list(private_ids)
    statement = f"{COLLECTION_COLUMNS} WHERE {condition} AND {OWN_TERRITORY} ORDER BY co.title, co.id"
    return _execute(statement, params).all()


# The same row without the extent (a page of items does not show it): no buffer of the perimeter.
LIGHT_COLUMNS = f"SELECT {_COLUMNS} FROM consultations co"


def get_collection(slug, extent=True):
    """One consultation row (with its extent unless `extent` is false) or None; the rest of the
    transaction runs serially."""
    # A page stops after limit + 1 rows: starting parallel workers costs more than the scan (88 ms
    # of Gather start-up for 0.5 ms of index walk on a busy 2-core box). Set here, no extra round trip.
    columns = (COLLECTION_COLUMNS if extent else LIGHT_COLUMNS).replace("SELECT ", f"SELECT {SERIAL}, ", 1)
    statement = f"{columns} WHERE co.slug = %(slug)s AND {OWN_TERRITORY}"
    return _execute(statement, {"slug": slug, "territory": current_territory()}).first()


def _params(collection_id, srid):
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    selection = sql.Selection(
        consultation_ids=(collection_id,),
        srid=srid,
        extra={
            "salt": anonymous_salt(),
            "media_url": f"{base}/media/",
            "page_url": base + contribution_page_prefix(),
        },
    )
    return selection, sql.base_params(selection)


def _feature_expr(selection):
    columns = sql.contribution_columns(selection, "geojson", whole_table=False)
    properties = ", ".join(f"'{name}', {expr}" for name, expr in columns)
    geom = "c.geom" if selection.srid == 4326 else f"ST_Transform(c.geom, {selection.srid})"
    # Options 0: no `crs` member in each geometry (RFC 7946); the CRS is in the Content-Crs header.
    return (
        "json_build_object('type', 'Feature', 'id', c.id,"
        f" 'geometry', ST_AsGeoJSON({geom}, {sql.PRECISION[selection.srid]}, 0)::json,"
        f" 'properties', json_build_object({properties}))"
    )


def _item_filters(query, params):
    parts = [
        "c.consultation_id = %(collection_id)s",
        "c.status = 'published'",
        "ST_Dimension(c.geom) = %(dimension)s",
    ]
    if query.bbox:
        params.update(zip(("minx", "miny", "maxx", "maxy"), query.bbox, strict=True))
        envelope = f"ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, {query.bbox_srid})"
        if query.bbox_srid != 4326:
            envelope = f"ST_Transform({envelope}, 4326)"
        parts.append(f"c.geom && {envelope} AND ST_Intersects(c.geom, {envelope})")
    if query.start:  # `datetime` is the creation date (the collection's temporal property)
        parts.append("c.created_at >= %(start)s")
        params["start"] = query.start
    if query.end:
        parts.append("c.created_at <= %(end)s")
        params["end"] = query.end
    if query.themes:
        parts.append("c.theme_slug = ANY(%(themes)s)")
        params["themes"] = list(query.themes)
    if query.qpv_codes:
        parts.append("c.qpv_code = ANY(%(qpv_codes)s)")
        params["qpv_codes"] = list(query.qpv_codes)
    if query.filter_sql:
        parts.append(query.filter_sql)
        params.update(query.filter_params)
    return " AND ".join(parts)


# A page walks the ids after the cursor in order on the primary key and keeps those that match,
# stopping at the page's size: cheap when the filters match many rows (a whole district at zoom 13:
# the GiST path would fetch and sort 160 000 rows for 100). When the next WINDOW ids hold fewer
# matches than the page needs, matches are rare (< limit / WINDOW of the rows), so the filters' own
# indexes (GiST bbox, …) find the rest after the window and sort few rows. One statement.
WINDOW = 50_000


def item_page_sql(collection_id, dimension, query):
    """(statement, params) of one keyset page: limit + 1 features after `query.after`, by id."""
    selection, params = _params(collection_id, query.srid)
    params.update(
        collection_id=collection_id,
        dimension=dimension,
        limit=query.limit + 1,
        window=WINDOW,
        after=query.after if query.after is not None else 0,
    )
    condition = _item_filters(query, params)
    # The window is a range of ids (a sequence: gaps only make it hold fewer rows).
    page_ids = (
        "WITH fast AS MATERIALIZED (SELECT id FROM"
        f"  (SELECT c.id, ({condition}) AS hit FROM contributions c{FILTER_JOINS}"
        # OFFSET 0: the filters stay out of the window's scan (a walk on the primary key, not a bitmap).
        "   WHERE c.id > %(after)s AND c.id <= %(after)s + %(window)s ORDER BY c.id OFFSET 0) w"
        "  WHERE hit ORDER BY id LIMIT %(limit)s)"
        " SELECT id FROM fast UNION ALL"
        f" (SELECT c.id FROM contributions c{FILTER_JOINS} WHERE {condition}"
        "  AND (SELECT count(*) FROM fast) < %(limit)s AND c.id > %(after)s + %(window)s"
        # `c.id + 0`: not the primary key's order, which the planner would walk for rare matches.
        "  ORDER BY c.id + 0 LIMIT %(limit)s)"
    )
    # The features of the page's ids alone: built after the LIMIT, not for every row that matches.
    statement = (
        f"SELECT c.id, {_feature_expr(selection)}::text AS feature FROM ({page_ids}) page"
        f" JOIN contributions c ON c.id = page.id{sql.JOINS.removeprefix(' FROM contributions c')}"
        " ORDER BY c.id LIMIT %(limit)s"
    )
    return statement, params


# What a filter may name (see ogc_cql.QUERYABLES), every one unique: removable when unused.
FILTER_JOINS = (
    " LEFT JOIN consultations co ON co.id = c.consultation_id"
    " LEFT JOIN themes t ON t.slug = c.theme_slug"
    " LEFT JOIN qpv q ON q.code = c.qpv_code"
    " LEFT JOIN communes cm ON cm.insee = c.commune_insee"
)


def item_page(collection_id, dimension, query):
    """(features as GeoJSON texts, id after which the next page starts or None): one statement."""
    statement, params = item_page_sql(collection_id, dimension, query)
    rows = _execute(statement, params).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return [row.feature for row in rows], (rows[-1].id if more else None)


def item(collection_id, dimension, feature_id, srid):
    """One published contribution of the collection as GeoJSON Feature text, or None."""
    selection, params = _params(collection_id, srid)
    params.update(collection_id=collection_id, feature_id=feature_id, dimension=dimension)
    statement = (
        f"SELECT {_feature_expr(selection)}::text{sql.JOINS} WHERE c.id = %(feature_id)s"
        " AND c.consultation_id = %(collection_id)s AND c.status = 'published'"
        " AND ST_Dimension(c.geom) = %(dimension)s"
    )
    return _execute(statement, params).scalar()
