"""Reads of the restitution: its state, the official answers, the map of ideas by outcome."""

from sqlalchemy import text

from app.extensions import db
from app.restitution.figures import GROUP_SQL
from app.restitution.models import Restitution

MAP_LIMIT = 500
ANSWERS_LIMIT = 100


def get_restitution(consultation):
    """The consultation's restitution row, or None."""
    return db.session.get(Restitution, consultation.id)


def is_published(restitution):
    return restitution is not None and restitution.published_at is not None


def official_answers(consultation_id, limit=ANSWERS_LIMIT):
    """Published ideas with an official answer, newest answers first."""
    rows = db.session.execute(
        text(
            f"SELECT id, title, outcome, {GROUP_SQL} AS grp, official_answer, answered_at, agree_count"
            " FROM contributions WHERE consultation_id = :cid AND status = 'published'"
            " AND official_answer IS NOT NULL ORDER BY answered_at DESC NULLS LAST, id DESC LIMIT :limit"
        ),
        {"cid": consultation_id, "limit": limit},
    )
    return [dict(row) for row in rows.mappings()]


def map_geojson(consultation_id, limit=MAP_LIMIT):
    """A FeatureCollection (built in SQL) of the answered ideas first, then the most supported."""
    return db.session.execute(
        text(
            f"""
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'::json))::text
  FROM (SELECT json_build_object(
          'type', 'Feature', 'geometry', ST_AsGeoJSON(anchor, 6)::json,
          'properties', json_build_object('id', id, 'title', title, 'group', {GROUP_SQL})) AS f
          FROM contributions
         WHERE consultation_id = :cid AND status = 'published'
         ORDER BY (outcome IS NULL), agree_count DESC, id LIMIT :limit) s
"""
        ),
        {"cid": consultation_id, "limit": limit},
    ).scalar_one()
