"""Reads on consultations."""

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.orm import defer, selectinload

import app.accounts.models  # noqa: F401  (LIGHT_PLACES configures the mappers at import: « User » must exist)
from app.consultations.models import Consultation, utcnow
from app.errors import NotFound
from app.extensions import db
from app.territory.identity import in_territory
from app.territory.models import Commune, Qpv

# Pages show the names of a consultation's QPV and communes, never their perimeters (drawn in SQL):
# loading these multipolygons with every consultation cost most of the home page's time.
LIGHT_PLACES = (
    defer(Consultation.geom),
    selectinload(Consultation.qpvs).options(defer(Qpv.geom), selectinload(Qpv.communes).defer(Commune.geom)),
)


def list_consultations(only_open=False):
    """Published consultations, soonest closing first; optionally only the open ones."""
    query = (
        select(Consultation)
        .options(*LIGHT_PLACES)
        .where(Consultation.is_published.is_(True), in_territory(Consultation.territory))
    )
    if only_open:
        now = utcnow()
        query = query.where(
            Consultation.status == "published", Consultation.opens_at <= now, Consultation.closes_at > now
        )
    return db.session.scalars(query.order_by(Consultation.closes_at, Consultation.id)).all()


def get_consultation(slug):
    """The consultation with this slug, or NotFound."""
    consultation = db.session.scalar(
        select(Consultation)
        .options(*LIGHT_PLACES)
        .where(Consultation.slug == slug, in_territory(Consultation.territory))
    )
    if consultation is None:
        raise NotFound(_("Cette concertation n'existe pas."))
    return consultation


# The perimeter widened by its margin (`buffer_m` metres), of the consultations row aliased {c}.
BUFFERED = "ST_Buffer({c}.geom::geography, {c}.buffer_m)::geometry"


def consultation_extent(consultation_id):
    """[[south, west], [north, east]] of the perimeter plus its buffer."""
    row = db.session.execute(
        text(
            "SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e) FROM ("
            f" SELECT ST_Envelope({BUFFERED.format(c='consultations')}) AS e"
            " FROM consultations WHERE id = :id) s"
        ),
        {"id": consultation_id},
    ).one()
    return [[row[0], row[1]], [row[2], row[3]]]


def perimeter_geojson(consultation_id):
    """The perimeter as a GeoJSON geometry, built in SQL."""
    return db.session.execute(
        text("SELECT ST_AsGeoJSON(geom, 6)::json FROM consultations WHERE id = :id"),
        {"id": consultation_id},
    ).scalar_one()


def perimeter_shapes(consultation_id):
    """(perimeter, perimeter + buffer, extent) of a consultation's page map in one statement, the buffer
    computed once: two GeoJSON geometries and [[south, west], [north, east]] of the buffer's envelope."""
    row = db.session.execute(
        text(
            "SELECT ST_AsGeoJSON(c.geom, 6)::json, ST_AsGeoJSON(b.g, 6)::json,"
            " ST_YMin(b.e), ST_XMin(b.e), ST_YMax(b.e), ST_XMax(b.e) FROM consultations c"
            " CROSS JOIN LATERAL (SELECT g, ST_Envelope(g) AS e"
            f"  FROM (SELECT {BUFFERED.format(c='c')} AS g) buffered) b"
            " WHERE c.id = :id"
        ),
        {"id": consultation_id},
    ).one()
    return row[0], row[1], [[row[2], row[3]], [row[4], row[5]]]


def contribution_counts(consultation_ids):
    """{consultation_id: number of published contributions}, one statement, cheap at any size.

    Exact up to COUNT_CAP (an index read stopped there); beyond, the map grid's total (as of its last
    refresh, seconds behind at most), the exact count only when no grid has been built yet."""
    if not consultation_ids:
        return {}
    from app.geo.tiles import GRID_LEVELS
    from app.keyset import COUNT_CAP

    rows = db.session.execute(
        text(
            "SELECT c.id, CASE WHEN capped.n <= :cap THEN capped.n ELSE coalesce(grid.n,"
            "  (SELECT count(*) FROM contributions x WHERE x.consultation_id = c.id AND x.status = 'published'))"
            " END FROM unnest(CAST(:ids AS integer[])) AS c(id)"
            " CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM contributions x"
            "  WHERE x.consultation_id = c.id AND x.status = 'published' LIMIT :cap + 1) s) capped"
            " CROSS JOIN LATERAL (SELECT sum(g.count) AS n FROM map_grid_cells g WHERE g.consultation_id = c.id"
            "  AND g.level = :level AND g.theme_slug = '*' AND g.outcome = '*' AND g.qpv_code = '*') grid"
        ),
        {"ids": list(consultation_ids), "cap": COUNT_CAP, "level": min(GRID_LEVELS)},
    )
    return {cid: int(n) for cid, n in rows}


def landmarks(consultation_id):
    """[(name, lon, lat)] of the consultation's « lieux repères », in order."""
    rows = db.session.execute(
        text(
            "SELECT name, ST_X(geom), ST_Y(geom) FROM consultation_landmarks"
            " WHERE consultation_id = :id ORDER BY position, id"
        ),
        {"id": consultation_id},
    )
    return [tuple(row) for row in rows]
