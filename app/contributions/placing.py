"""Where a new contribution lies: inside the perimeter (+ buffer) or not, its anchor, QPV and commune."""

import shapely
from sqlalchemy import Boolean, Integer, String, bindparam, column, func, select, text

from app.dbpool import RawStatement
from app.extensions import db

# The rule itself is the database function cc_place (migration 0026: planned once per session): the
# geometry's bbox prefilter uses the index before the exact geography test; lines and polygons must lie
# entirely within perimeter + buffer; the QPV whose polygon holds the anchor, else one of the
# consultation's QPVs in the anchor's commune.
PLACE_SQL = text(
    "SELECT inside, geom, anchor, commune_insee, qpv_code FROM cc_place(:wkt, :cid)"
).columns(  # typed columns: the result's description is compiled once, not read at every idea
    column("inside", Boolean),
    column("geom", String),
    column("anchor", String),
    column("commune_insee", String),
    column("qpv_code", String),
)
# Else the consultation's nearest QPV: outside cc_place, evaluated only then (inside it, PostgreSQL
# planned it at every new idea: half of the placing's time).
NEAREST_QPV_SQL = """
    SELECT cq.qpv_code FROM consultation_qpvs cq
      JOIN qpv q ON q.code = cq.qpv_code
      LEFT JOIN qpv_communes qc ON qc.qpv_code = q.code
      LEFT JOIN communes co ON co.insee = qc.commune_insee
    WHERE cq.consultation_id = :cid
    ORDER BY ST_Distance(coalesce(q.geom, co.geom), ST_GeomFromEWKT(placed.anchor)), cq.qpv_code LIMIT 1
"""
# The columns of a new contribution that the placing gives, in placed_source's order.
PLACED_COLUMNS = ("geom", "anchor", "qpv_code", "commune_insee")


def placed_source(values):
    """The SELECT of an `INSERT … SELECT` that places the new contribution in its own statement: the
    `values` (bound parameters) then PLACED_COLUMNS as cc_place gives them, the consultation's nearest
    QPV a subquery evaluated only when cc_place found none; no row when the geometry lies outside the perimeter +
    buffer. Bound: `wkt` (the geometry) and `cid` (the consultation)."""
    placed = (
        func.cc_place(bindparam("wkt", type_=String), bindparam("cid", type_=Integer))
        .table_valued(
            column("inside", Boolean),
            column("geom", String),
            column("anchor", String),
            column("commune_insee", String),
            column("qpv_code", String),
        )
        .alias("placed")
    )
    nearest = text(NEAREST_QPV_SQL).columns(column("qpv_code", String))
    return select(
        *values,
        func.ST_GeomFromEWKT(placed.c.geom),
        func.ST_GeomFromEWKT(placed.c.anchor),
        func.coalesce(placed.c.qpv_code, nearest.scalar_subquery()),
        placed.c.commune_insee,
    ).where(placed.c.inside)


def inside(consultation, shape):
    """Whether the geometry lies in the perimeter + buffer of the consultation (cc_place's rule)."""
    return bool(_PLACE.run(db.session, {"wkt": shapely.to_wkt(shape), "cid": consultation.id})[0].inside)


_PLACE = RawStatement(PLACE_SQL)
