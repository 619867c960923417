"""Where a new contribution lies: inside the perimeter (+ buffer) or not, its anchor, QPV and commune."""

import shapely
from sqlalchemy import Boolean, String, column, text

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
# Else the consultation's nearest QPV: a statement of its own, run only then (inside the placing,
# PostgreSQL planned it at every new idea: half of the placing's time).
NEAREST_QPV_SQL = text(
    """
    SELECT cq.qpv_code FROM consultation_qpvs cq
      JOIN qpv q ON q.code = cq.qpv_code
      LEFT JOIN qpv_communes qc ON qc.qpv_code = q.code
      LEFT JOIN communes co ON co.insee = qc.commune_insee
    WHERE cq.consultation_id = :cid
    ORDER BY ST_Distance(coalesce(q.geom, co.geom), ST_GeomFromEWKT(:anchor)), cq.qpv_code LIMIT 1
    """
).columns(column("qpv_code", String))


def place(consultation, shape):
    """Whether the geometry lies in the perimeter + buffer, with its anchor, QPV and commune: the QPV
    whose polygon holds the anchor, else one of the consultation's QPVs in the anchor's commune, else
    the consultation's nearest QPV."""
    placed = _PLACE.run(db.session, {"wkt": shapely.to_wkt(shape), "cid": consultation.id})[0]
    if placed.inside and placed.qpv_code is None:
        nearest = _NEAREST_QPV.run(db.session, {"anchor": placed.anchor, "cid": consultation.id})
        placed = placed._replace(qpv_code=nearest[0].qpv_code if nearest else None)
    return placed


_PLACE = RawStatement(PLACE_SQL)
_NEAREST_QPV = RawStatement(NEAREST_QPV_SQL)
