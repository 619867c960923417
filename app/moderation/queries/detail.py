"""Everything the back office shows about one contribution."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.orm import defer, joinedload, lazyload

from app.consultations.models import Consultation
from app.contributions.models import Comment, Contribution
from app.errors import NotFound
from app.extensions import db
from app.moderation.queries.duplicates import suggest_duplicates


def get_contribution(contribution_id):
    """The contribution (with author, consultation and theme) or NotFound."""
    contribution = db.session.scalar(
        select(Contribution)
        .options(
            joinedload(Contribution.author),
            joinedload(Contribution.consultation).options(lazyload("*"), defer(Consultation.geom)),
        )
        .where(Contribution.id == contribution_id)
    )
    if contribution is None:
        raise NotFound(_("Cette contribution n'existe pas."))
    return contribution


def get_comment(comment_id):
    """The comment or NotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("Ce commentaire n'existe pas."))
    return comment


NEIGHBOURS = 12  # ideas shown around the contribution on the detail page's map

SIDE_SQL = """
SELECT ST_X(c.anchor) AS lon, ST_Y(c.anchor) AS lat, GeometryType(c.geom) AS geometry_type,
  ST_AsGeoJSON(c.geom, 6)::json AS geometry,
  (SELECT name FROM qpv WHERE code = c.qpv_code) AS qpv_name,
  (SELECT name FROM communes WHERE insee = c.commune_insee) AS commune_name,
  (SELECT ST_AsGeoJSON(ST_Buffer(co.geom::geography, co.buffer_m)::geometry, 6)::json
     FROM consultations co WHERE co.id = c.consultation_id) AS perimeter,
  (SELECT coalesce(json_agg(json_build_object('path', p.path, 'thumb_path', p.thumb_path) ORDER BY p.position), '[]')
     FROM photos p WHERE p.contribution_id = c.id) AS photos,
  (SELECT coalesce(json_agg(json_build_object('slug', t.slug, 'label', t.label) ORDER BY t.position), '[]')
     FROM consultation_themes ct JOIN themes t ON t.slug = ct.theme_slug
     WHERE ct.consultation_id = c.consultation_id) AS themes,
  (SELECT coalesce(json_agg(row_to_json(m) ORDER BY m.created_at, m.id), '[]') FROM (
     SELECT m.id, m.body, m.status, m.flag_count, m.moderation_reason, m.created_at, m.parent_id,
       u.pseudonym AS author,
       (SELECT json_agg(json_build_object('reason', f.reason, 'details', f.details) ORDER BY f.created_at)
        FROM flags f WHERE f.comment_id = m.id AND f.resolved_at IS NULL) AS flags
     FROM comments m LEFT JOIN users u ON u.id = m.author_id WHERE m.contribution_id = c.id
     ORDER BY m.created_at, m.id LIMIT 500) m) AS comments,
  (SELECT coalesce(json_agg(json_build_array(row_to_json(f), f.who)
       ORDER BY f.resolved_at IS NOT NULL, f.created_at DESC), '[]') FROM (
     SELECT f.reason, f.details, f.created_at, f.resolved_at, u.pseudonym AS who
     FROM flags f JOIN users u ON u.id = f.user_id WHERE f.contribution_id = c.id) f) AS flags,
  (SELECT coalesce(json_agg(json_build_array(row_to_json(v), v.editor)
       ORDER BY v.created_at DESC, v.id DESC), '[]') FROM (
     SELECT v.id, v.title, v.body, v.theme_slug, v.reason, v.created_at, u.pseudonym AS editor
     FROM contribution_versions v LEFT JOIN users u ON u.id = v.editor_id WHERE v.contribution_id = c.id) v)
     AS versions,
  (SELECT coalesce(json_agg(row_to_json(a) ORDER BY a.created_at DESC, a.id DESC), '[]') FROM (
     SELECT a.id, a.action, a.reason, a.created_at,
       CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object('pseudonym', u.pseudonym) END AS actor
     FROM moderation_actions a LEFT JOIN users u ON u.id = a.actor_id
     WHERE a.target_type = 'contribution' AND a.target_id = c.id) a) AS actions,
  (SELECT coalesce(json_agg(json_build_object('id', o.id, 'title', o.title) ORDER BY o.id), '[]')
     FROM contributions o WHERE o.merged_into_id = c.id) AS merged_from,
  (SELECT coalesce(json_agg(json_build_object('id', r.id, 'label', r.label) ORDER BY r.position, r.id), '[]')
     FROM reject_reasons r WHERE r.active) AS reasons,
  -- The nearest ideas of the consultation: KNN on the GiST index of `anchor`, LIMIT.
  (SELECT coalesce(json_agg(row_to_json(n) ORDER BY n.rank), '[]') FROM (
     SELECT o.id, o.title, o.status, ST_X(o.anchor) AS lon, ST_Y(o.anchor) AS lat,
       round(ST_DistanceSphere(o.anchor, c.anchor))::int AS distance_m,
       row_number() OVER (ORDER BY o.anchor <-> c.anchor) AS rank
     FROM contributions o
     WHERE o.consultation_id = c.consultation_id AND o.id <> c.id AND o.status <> 'merged'
     ORDER BY o.anchor <-> c.anchor LIMIT :neighbours) n) AS neighbours
FROM contributions c WHERE c.id = :id
"""


def _dated(item, keys=("created_at", "resolved_at")):
    """A JSON object whose timestamps become datetimes (the templates format them)."""
    for key in keys:
        if isinstance(item.get(key), str):
            item[key] = datetime.fromisoformat(item[key])
    return item


def contribution_detail(contribution_id):
    """The detail page's data in one dict: the contribution, then everything around it in one statement,
    then its duplicate suggestions (3 statements in all)."""
    contribution = get_contribution(contribution_id)
    params = {"id": contribution_id, "neighbours": NEIGHBOURS}
    side = dict(db.session.execute(text(SIDE_SQL), params).mappings().one())
    place = {
        key: side.pop(key) for key in ("lon", "lat", "geometry_type", "geometry", "qpv_name", "commune_name")
    }
    return {
        "contribution": contribution,
        "place": place,
        "perimeter": side["perimeter"],
        "photos": side["photos"],
        "themes": side["themes"],
        "reasons": side["reasons"],
        "comments": [_dated(m) for m in side["comments"]],
        "flags": [(_dated(f), who) for f, who in side["flags"]],
        "versions": [(_dated(v), editor) for v, editor in side["versions"]],
        "actions": [_dated(a) for a in side["actions"]],
        "merged_from": side["merged_from"],
        "neighbours": side["neighbours"],
        "duplicates": suggest_duplicates(contribution_id, k=5) if contribution.status != "merged" else [],
    }
