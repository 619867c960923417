"""Moderator edits (typo, theme, moving the pin): the previous state is kept as a ContributionVersion."""

import json
import math

from flask_babel import gettext as _
from shapely.geometry import shape
from sqlalchemy import select, text

from app.consultations.models import consultation_themes
from app.contributions.models import ContributionVersion
from app.errors import Conflict, Invalid
from app.extensions import db
from app.moderation.services.audit import contribution_snapshot, record
from app.moderation.services.common import (
    check_moderator,
    clean_reason,
    lock_contribution,
    schedule_map_refresh,
)

KINDS = {"Point": "point", "LineString": "line", "Polygon": "polygon"}

# Where a geometry falls: inside the perimeter + buffer?, its anchor, QPV and commune (as on creation).
LOCATE_SQL = """
WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326) AS geom),
a AS (SELECT ST_PointOnSurface(geom) AS pt FROM g)
SELECT ST_DWithin(g.geom::geography, c.geom::geography, c.buffer_m) AS inside,
  ST_AsEWKT(g.geom) AS geom, ST_AsEWKT(a.pt) AS anchor,
  (SELECT insee FROM communes m WHERE ST_Intersects(m.geom, a.pt) LIMIT 1) AS commune_insee,
  COALESCE(
    (SELECT q.code FROM qpv q WHERE q.geom IS NOT NULL AND ST_Intersects(q.geom, a.pt) LIMIT 1),
    (SELECT cq.qpv_code FROM consultation_qpvs cq
      JOIN qpv_communes qc ON qc.qpv_code = cq.qpv_code JOIN communes m ON m.insee = qc.commune_insee
      WHERE cq.consultation_id = c.id ORDER BY ST_Distance(m.geom, a.pt), cq.qpv_code LIMIT 1)
  ) AS qpv_code,
  ST_Equals(g.geom, (SELECT geom FROM contributions WHERE id = :cid)) AS unchanged
FROM g, a, consultations c WHERE c.id = :consultation_id
"""


def edit_contribution(
    moderator, contribution, title=None, body=None, theme_slug=None, geometry=None, reason=None
):
    """Correct a contribution; the previous title, body, theme and place are kept as a version."""
    check_moderator(moderator, contribution.consultation_id)
    reason = clean_reason(reason)
    contribution = lock_contribution(contribution.id)
    if contribution.status == "merged":
        raise Conflict(_("Une contribution fusionnée ne se modifie plus."))
    changes = _text_changes(contribution, title, body, theme_slug)
    location = _locate(contribution, geometry) if geometry is not None else None
    if not changes and location is None:
        raise Invalid(_("Aucune modification."), fields={"title": [_("Rien n'a changé.")]})
    before = _snapshot(contribution)
    _keep_version(contribution, moderator, reason)
    for name, value in changes.items():
        setattr(contribution, name, value)
    if location is not None:
        for name in ("geom", "anchor", "qpv_code", "commune_insee"):
            setattr(contribution, name, location[name])
    db.session.flush()
    after = _snapshot(contribution)
    record(
        moderator,
        "edit",
        "contribution",
        contribution.id,
        contribution.consultation_id,
        reason,
        before,
        after,
    )
    if contribution.status == "published":
        schedule_map_refresh(contribution.consultation_id)
    return contribution


def _snapshot(contribution):
    snapshot = contribution_snapshot(contribution)
    snapshot["anchor"] = _anchor_lonlat(contribution.id)
    return snapshot


def _keep_version(contribution, moderator, reason):
    db.session.add(
        ContributionVersion(
            contribution_id=contribution.id,
            editor_id=moderator.id,
            title=contribution.title,
            body=contribution.body,
            theme_slug=contribution.theme_slug,
            geom=contribution.geom,
            reason=reason,
        )
    )


def _text_changes(contribution, title, body, theme_slug):
    changes, fields = {}, {}
    if title is not None and title.strip() != contribution.title:
        title = title.strip()
        if not 3 <= len(title) <= 140:
            fields["title"] = [_("Le titre doit faire entre 3 et 140 caractères.")]
        changes["title"] = title
    if body is not None and body.strip() != contribution.body:
        if len(body.strip()) > 5000:
            fields["body"] = [_("Le texte doit faire 5000 caractères au maximum.")]
        changes["body"] = body.strip()
    if theme_slug is not None and theme_slug != contribution.theme_slug:
        allowed = db.session.scalar(
            select(consultation_themes.c.theme_slug).where(
                consultation_themes.c.consultation_id == contribution.consultation_id,
                consultation_themes.c.theme_slug == theme_slug,
            )
        )
        if allowed is None:
            fields["theme_slug"] = [_("Ce thème n'est pas proposé par cette concertation.")]
        changes["theme_slug"] = theme_slug
    if fields:
        raise Invalid(fields=fields)
    return changes


def _locate(contribution, geometry):
    geojson = _valid_geojson(geometry, contribution.consultation.geometry_kinds)
    row = db.session.execute(
        text(LOCATE_SQL),
        {"geojson": geojson, "consultation_id": contribution.consultation_id, "cid": contribution.id},
    ).one()
    if not row.inside:
        raise Invalid(
            _(
                "Ce lieu est en dehors du périmètre de la concertation (et de sa marge) : "
                "déplacez le point à l'intérieur."
            ),
            fields={"geometry": [_("En dehors du périmètre.")]},
        )
    if row.unchanged:
        return None
    return {
        "geom": row.geom,
        "anchor": row.anchor,
        "qpv_code": row.qpv_code,
        "commune_insee": row.commune_insee,
    }


def _valid_geojson(geometry, allowed_kinds):
    def invalid(message):
        return Invalid(message, fields={"geometry": [message]})

    if not isinstance(geometry, dict) or geometry.get("type") not in KINDS:
        raise invalid(_("Le lieu doit être une géométrie GeoJSON : Point, LineString ou Polygon."))
    if KINDS[geometry["type"]] not in (allowed_kinds or ["point"]):
        raise invalid(_("Ce type de lieu n'est pas accepté par cette concertation."))
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as error:
        raise invalid(_("Coordonnées illisibles.")) from error
    minx, miny, maxx, maxy = geom.bounds if not geom.is_empty else (math.nan,) * 4
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise invalid(_("Coordonnées illisibles."))
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise invalid(_("Coordonnées hors limites (longitude, latitude en degrés)."))
    if not geom.is_valid:
        raise invalid(_("La géométrie n'est pas valide (contour qui se croise ?)."))
    return json.dumps(geometry)


def _anchor_lonlat(contribution_id):
    row = db.session.execute(
        text("SELECT ST_X(anchor), ST_Y(anchor) FROM contributions WHERE id = :id"), {"id": contribution_id}
    ).one()
    return [round(row[0], 6), round(row[1], 6)]


def point(lon, lat):
    """A GeoJSON Point from form values, or Invalid."""
    try:
        return {"type": "Point", "coordinates": [float(lon), float(lat)]}
    except (TypeError, ValueError) as error:
        raise Invalid(
            _("Longitude et latitude doivent être des nombres."),
            fields={"geometry": [_("Nombres attendus.")]},
        ) from error
