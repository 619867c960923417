"""Where a new contribution lies: inside the perimeter (+ buffer) or not, its anchor, QPV and commune."""

import shapely
from sqlalchemy import Boolean, String, column, text

from app.dbpool import RawStatement
from app.extensions import db

# The geometry bbox prefilter (degrees, generous at this latitude) uses the index before the
# exact geography test; lines and polygons must lie entirely within perimeter + buffer.
PLACE_SQL = text(
    """
    WITH g AS (SELECT ST_GeomFromText(:wkt, 4326) AS geom),
    a AS (SELECT g.geom, ST_PointOnSurface(g.geom) AS anchor FROM g),
    c AS (SELECT geom AS perimeter, buffer_m FROM consultations WHERE id = :cid)
    SELECT
      (a.geom && ST_Expand(c.perimeter, c.buffer_m / 50000.0 + 0.001)) AND (CASE
         WHEN GeometryType(a.geom) = 'POINT'
         THEN ST_DWithin(c.perimeter::geography, a.geom::geography, c.buffer_m)
         ELSE ST_Covers(ST_Buffer(c.perimeter::geography, c.buffer_m)::geometry, a.geom) END) AS inside,
      ST_AsEWKT(a.geom) AS geom, ST_AsEWKT(a.anchor) AS anchor,
      (SELECT insee FROM communes co WHERE ST_Intersects(co.geom, a.anchor) ORDER BY insee LIMIT 1)
        AS commune_insee,
      coalesce(
        (SELECT q.code FROM qpv q WHERE q.geom IS NOT NULL AND ST_Intersects(q.geom, a.anchor)
          ORDER BY q.code LIMIT 1),
        (SELECT cq.qpv_code FROM consultation_qpvs cq
          JOIN qpv_communes qc ON qc.qpv_code = cq.qpv_code
          JOIN communes co ON co.insee = qc.commune_insee
          WHERE cq.consultation_id = :cid AND ST_Intersects(co.geom, a.anchor)
          ORDER BY cq.qpv_code LIMIT 1)
      ) AS qpv_code
    FROM a, c
    """
).columns(  # typed columns: the result's description is compiled once, not read at every idea
    column("inside", Boolean),
    column("geom", String),
    column("anchor", String),
    column("commune_insee", String),
    column("qpv_code", String),
)
# Else the consultation's nearest QPV: a statement of its own, run only then (in the statement above,
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
