"""Reads on consultations."""

from sqlalchemy import func, select, text

from app.consultations.models import Consultation, utcnow
from app.errors import NotFound
from app.extensions import db


def list_consultations(only_open=False):
    """Published consultations, soonest closing first; optionally only the open ones."""
    query = select(Consultation).where(Consultation.is_published.is_(True))
    if only_open:
        now = utcnow()
        query = query.where(
            Consultation.status == "published", Consultation.opens_at <= now, Consultation.closes_at > now
        )
    return db.session.scalars(query.order_by(Consultation.closes_at, Consultation.id)).all()


def get_consultation(slug):
    """The consultation with this slug, or NotFound."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise NotFound("Cette concertation n'existe pas.")
    return consultation


def consultation_extent(consultation_id):
    """[[south, west], [north, east]] of the perimeter plus its buffer."""
    row = db.session.execute(
        text(
            "SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e) FROM ("
            " SELECT ST_Envelope(ST_Buffer(geom::geography, buffer_m)::geometry) AS e"
            " FROM consultations WHERE id = :id) s"
        ),
        {"id": consultation_id},
    ).one()
    return [[row[0], row[1]], [row[2], row[3]]]


def perimeter_geojson(consultation_id, with_buffer=False):
    """The perimeter (or perimeter + buffer) as a GeoJSON geometry, built in SQL."""
    expr = "ST_Buffer(geom::geography, buffer_m)::geometry" if with_buffer else "geom"
    return db.session.execute(
        text(f"SELECT ST_AsGeoJSON({expr}, 6)::json FROM consultations WHERE id = :id"),
        {"id": consultation_id},
    ).scalar_one()


def contribution_counts(consultation_ids):
    """{consultation_id: number of published contributions}, one statement."""
    if not consultation_ids:
        return {}
    from app.contributions.models import Contribution

    rows = db.session.execute(
        select(Contribution.consultation_id, func.count())
        .where(Contribution.consultation_id.in_(consultation_ids), Contribution.status == "published")
        .group_by(Contribution.consultation_id)
    )
    return dict(rows.all())


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
