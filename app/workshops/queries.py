"""Reads on workshops: lists, permissions, the reference grid and printable-map data."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, select, text

from app.contributions.models import Contribution
from app.errors import Forbidden, Invalid, NotFound, Unauthorized
from app.extensions import db
from app.templating import url_if
from app.workshops.grid import Grid, GridRefError
from app.workshops.models import Kiosk, Workshop, WorkshopParticipant, WorkshopTally, workshop_facilitators

MANAGER_ROLES = ("moderator", "admin")


def get_workshop(workshop_id):
    """The workshop with this id, or NotFound."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("Cet atelier n'existe pas."))
    return workshop


def facilitates_consultation(user, consultation_id):
    """True when `user` facilitates at least one workshop of this consultation."""
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(workshop_facilitators.c.user_id == user.id)
                .where(workshop_facilitators.c.workshop_id == Workshop.id)
                .where(Workshop.consultation_id == consultation_id)
            )
        )
    )


def can_manage(user, workshop):
    """Moderators, admins, facilitators of this workshop, and staff assigned to its consultation."""
    from app.consultations.staff import may

    if user is None or not user.is_authenticated:
        return False
    if user.role in MANAGER_ROLES:
        return True
    if any(f.id == user.id for f in workshop.facilitators):
        return True
    return user.role == "facilitator" and may(user, "manage_workshops", workshop.consultation_id)


def can_see_participants(user, workshop):
    """Participants' contacts: only the facilitators of this very workshop, and admins."""
    if user is None or not user.is_authenticated:
        return False
    return user.role == "admin" or any(f.id == user.id for f in workshop.facilitators)


def check_can_see_participants(user, workshop):
    """Forbidden unless `user` facilitates this workshop (or is an admin)."""
    if user is None or not user.is_authenticated:
        raise Unauthorized()
    if not can_see_participants(user, workshop):
        raise Forbidden(_("Seuls les animateurs de cet atelier ont accès aux contacts de ses participants."))


def check_can_manage(user, workshop):
    """Raise Unauthorized/Forbidden unless `user` may act on behalf of this workshop."""
    if user is None or not user.is_authenticated:
        raise Unauthorized()
    if not can_manage(user, workshop):
        raise Forbidden(
            _(
                "Seuls les animateurs de cette concertation, les modérateurs et les administrateurs "
                "peuvent saisir pour cet atelier."
            )
        )


def list_for_consultation(consultation_id):
    """Workshops of a consultation (soonest first) with their contribution and paper-vote counts."""
    contributions = (
        select(func.count())
        .where(Contribution.workshop_id == Workshop.id, Contribution.status == "published")
        .correlate(Workshop)
        .scalar_subquery()
    )
    tallies = (
        select(func.coalesce(func.sum(WorkshopTally.agree + WorkshopTally.disagree), 0))
        .where(WorkshopTally.workshop_id == Workshop.id)
        .correlate(Workshop)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Workshop, contributions.label("contributions"), tallies.label("paper_votes"))
        .where(Workshop.consultation_id == consultation_id)
        .order_by(Workshop.starts_at, Workshop.id)
    ).all()
    return [{"workshop": w, "contributions": c, "paper_votes": v} for w, c, v in rows]


def list_for_user(user):
    """Workshops `user` can manage (all of them for moderators and admins), latest first."""
    query = select(Workshop).order_by(Workshop.starts_at.desc(), Workshop.id.desc())
    if user.role not in MANAGER_ROLES:
        mine = select(Workshop.consultation_id).join(
            workshop_facilitators, workshop_facilitators.c.workshop_id == Workshop.id
        )
        query = query.where(
            Workshop.consultation_id.in_(mine.where(workshop_facilitators.c.user_id == user.id))
        )
    return db.session.scalars(query.limit(200)).all()


def workshop_stats(workshop_id):
    """Counts for one workshop: contributions by source and status, paper votes and comments."""
    row = db.session.execute(
        text(
            "SELECT"
            " (SELECT count(*) FROM contributions WHERE workshop_id = :w AND source = 'workshop'),"
            " (SELECT count(*) FROM contributions WHERE workshop_id = :w AND source = 'kiosk'),"
            " (SELECT count(*) FROM contributions WHERE workshop_id = :w AND status = 'pending'),"
            " (SELECT coalesce(sum(agree), 0) FROM workshop_tallies WHERE workshop_id = :w),"
            " (SELECT coalesce(sum(disagree), 0) FROM workshop_tallies WHERE workshop_id = :w),"
            " (SELECT coalesce(sum(comments), 0) FROM workshop_tallies WHERE workshop_id = :w)"
        ),
        {"w": workshop_id},
    ).one()
    keys = ("entered", "kiosk", "pending", "agree", "disagree", "comments")
    return dict(zip(keys, row, strict=True))


def participants(workshop_id):
    """Participants who left a contact (facilitators' follow-up only: never published)."""
    return db.session.scalars(
        select(WorkshopParticipant)
        .where(WorkshopParticipant.workshop_id == workshop_id)
        .order_by(WorkshopParticipant.id)
    ).all()


def tallies(workshop_id):
    """Paper counts entered for this workshop with their contribution, by contribution id."""
    return db.session.execute(
        select(WorkshopTally, Contribution)
        .join(Contribution, Contribution.id == WorkshopTally.contribution_id)
        .where(WorkshopTally.workshop_id == workshop_id)
        .order_by(Contribution.id)
    ).all()


def open_kiosks(consultation_id=None, workshop_id=None):
    """Kiosks currently open, for one consultation or one workshop."""
    query = select(Kiosk).where(Kiosk.closed_at.is_(None), Kiosk.device_token_hash.is_not(None))
    if consultation_id is not None:
        query = query.where(Kiosk.consultation_id == consultation_id)
    if workshop_id is not None:
        query = query.where(Kiosk.workshop_id == workshop_id)
    return db.session.scalars(query.order_by(Kiosk.id)).all()


def public_map_url(consultation):
    """Absolute URL of the consultation's online map (its page when the map is not there)."""
    path = url_if("contributions.consultation_map", slug=consultation.slug) or url_if(
        "consultations.show", slug=consultation.slug
    )
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


# --- reference grid --------------------------------------------------------------------------------
def consultation_grid(consultation_id):
    """The reference grid over the perimeter (plus its buffer), in Lambert-93 metres."""
    row = db.session.execute(
        text(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM ("
            " SELECT ST_Extent(ST_Transform(ST_Buffer(geom::geography, buffer_m)::geometry, 2154)) AS b"
            " FROM consultations WHERE id = :id) s"
        ),
        {"id": consultation_id},
    ).one()
    if row[0] is None:
        raise NotFound(_("Cette concertation n'existe pas."))
    return Grid.covering(*row)


def grid_cells_geojson(grid, consultation_id=None):
    """The grid cells as a GeoJSON FeatureCollection in EPSG:4326 (label and centre per cell)."""
    corners = grid.corner_points()
    rows = db.session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM ("
            " SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 2154), 4326) AS p, n"
            " FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS t(x, y, n)) s"
            " ORDER BY n"
        ),
        {"xs": [c[0] for c in corners], "ys": [c[1] for c in corners]},
    ).all()
    width = grid.cols + 1
    inside = _cells_touching_perimeter(grid, consultation_id) if consultation_id else set(grid.refs())
    features = []
    for j in range(grid.rows):
        for i in range(grid.cols):
            ring = [rows[j * width + i], rows[j * width + i + 1], rows[(j + 1) * width + i + 1]]
            ring += [rows[(j + 1) * width + i], rows[j * width + i]]
            coords = [[round(x, 6), round(y, 6)] for x, y in ring]
            ref = f"{chr(ord('A') + i)}{j + 1}"
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [coords]},
                    "properties": {"ref": ref, "inside": ref in inside},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _cells_touching_perimeter(grid, consultation_id):
    """References of the cells that touch the perimeter + buffer (the usable ones)."""
    refs = grid.refs()
    boxes = [grid.cell_bounds(ref) for ref in refs]
    hits = db.session.execute(
        text(
            "SELECT n FROM unnest(CAST(:x0 AS float8[]), CAST(:y0 AS float8[]), CAST(:x1 AS float8[]),"
            " CAST(:y1 AS float8[])) WITH ORDINALITY AS t(x0, y0, x1, y1, n),"
            " (SELECT ST_Transform(ST_Buffer(geom::geography, buffer_m)::geometry, 2154) AS area"
            "  FROM consultations WHERE id = :id) c"
            " WHERE ST_Intersects(c.area, ST_MakeEnvelope(x0, y0, x1, y1, 2154))"
        ),
        {
            "x0": [b[0] for b in boxes],
            "y0": [b[1] for b in boxes],
            "x1": [b[2] for b in boxes],
            "y1": [b[3] for b in boxes],
            "id": consultation_id,
        },
    ).scalars()
    return {refs[n - 1] for n in hits}


def grid_ref_point(consultation_id, grid, ref):
    """The GeoJSON point of a grid cell: its centre, or the spot of the cell nearest to it inside the
    perimeter + buffer when the centre lies outside (every cell touching the perimeter is usable)."""
    try:
        label = grid.normalise(ref)
        x, y = grid.centre(label)
    except GridRefError as error:
        raise Invalid(str(error), fields={"grid_ref": [str(error)]}) from error
    x0, y0, x1, y1 = grid.cell_bounds(label)
    row = db.session.execute(
        text(
            "WITH c AS (SELECT geom, buffer_m FROM consultations WHERE id = :id),"
            " k AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 2154), 4326) AS centre,"
            "  ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 2154), 4326) AS box),"
            # 5 m inside the buffer's edge, so the point is accepted whatever the rounding
            " a AS (SELECT ST_Intersection(ST_Buffer(c.geom::geography, greatest(c.buffer_m - 5, 1))::geometry,"
            "  k.box) AS part FROM c, k)"
            " SELECT ST_X(p), ST_Y(p) FROM (SELECT CASE"
            "  WHEN ST_DWithin(c.geom::geography, k.centre::geography, c.buffer_m + 0.5) THEN k.centre"
            "  WHEN NOT ST_IsEmpty(a.part) THEN ST_ClosestPoint(a.part, k.centre) END AS p FROM c, k, a) s"
        ),
        {"x": x, "y": y, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "id": consultation_id},
    ).one()
    if row[0] is None:
        message = _(
            "La case %(label)s est en dehors du périmètre de la concertation : choisissez une case du "
            "périmètre ou touchez la carte.",
            label=label,
        )
        raise Invalid(message, fields={"grid_ref": [message]})
    return {"type": "Point", "coordinates": [row[0], row[1]]}


def grid_ref_of(consultation_id, geom_expression_sql, params):
    """The grid cell of a geometry's representative point (internal: SQL expression + params)."""
    grid = consultation_grid(consultation_id)
    x, y = db.session.execute(
        text(f"SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform({geom_expression_sql}, 2154) AS p) s"),
        params,
    ).one()
    return grid.ref_at(x, y)


def contribution_grid_ref(contribution):
    """The grid cell (« C4 ») where a contribution's anchor falls, or None outside the grid."""
    return grid_ref_of(
        contribution.consultation_id,
        "(SELECT anchor FROM contributions WHERE id = :cid)",
        {"cid": contribution.id},
    )


# --- printable map ---------------------------------------------------------------------------------
# Printed numbers are the rank of a contribution among all those of its consultation (by id): they
# never change when another contribution is hidden or added, so paper counts stay attached.
NUMBERED_SQL = (
    "SELECT id, status, theme_slug, title, anchor, row_number() OVER (ORDER BY id) AS number,"
    " agree_count + workshop_agree_count - disagree_count - workshop_disagree_count AS score"
    " FROM contributions WHERE consultation_id = :c"
)


def printable_contributions(consultation_id, limit):
    """(rows, total): the best-supported published contributions (at most `limit`), by number."""
    rows = db.session.execute(
        text(
            f"WITH numbered AS ({NUMBERED_SQL}),"
            " chosen AS (SELECT *, count(*) OVER () AS total FROM numbered WHERE status = 'published'"
            "  ORDER BY score DESC, id LIMIT :limit)"
            " SELECT c.number, c.id, c.title, t.label, t.color, ST_X(p.g), ST_Y(p.g), c.score, c.total"
            " FROM chosen c JOIN themes t ON t.slug = c.theme_slug,"
            " LATERAL (SELECT ST_Transform(c.anchor, 2154) AS g) p"
            " ORDER BY c.number"
        ),
        {"c": consultation_id, "limit": limit},
    ).all()
    total = rows[0][8] if rows else 0
    keys = ("number", "id", "title", "theme", "color", "x", "y", "score")
    return [dict(zip(keys, row[:8], strict=True)) for row in rows], total


def contribution_number(contribution):
    """The printed number of a contribution in its consultation."""
    return db.session.scalar(
        select(func.count()).where(
            Contribution.consultation_id == contribution.consultation_id, Contribution.id <= contribution.id
        )
    )


def contribution_by_number(consultation_id, number):
    """The contribution printed with this number on the consultation's maps, or NotFound."""
    contribution = None
    if number >= 1:
        contribution = db.session.scalar(
            select(Contribution)
            .where(Contribution.consultation_id == consultation_id)
            .order_by(Contribution.id)
            .offset(number - 1)
            .limit(1)
        )
    if contribution is None:
        raise NotFound(
            _(
                "Aucune contribution ne porte le numéro %(number)s sur la carte de cette concertation.",
                number=number,
            )
        )
    return contribution


def printable_layers(consultation_id, grid):
    """Perimeter, buffer, communes and official QPV perimeters in Lambert-93, clipped to the grid."""
    row = db.session.execute(
        text(
            "WITH box AS (SELECT ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 2154), 4326) AS b),"
            " c AS (SELECT geom, buffer_m FROM consultations WHERE id = :id)"
            " SELECT"
            " (SELECT ST_AsGeoJSON(ST_Transform(geom, 2154), 1)::json FROM c),"
            " (SELECT ST_AsGeoJSON(ST_Transform(ST_Buffer(geom::geography, buffer_m)::geometry, 2154), 1)::json"
            "  FROM c),"
            " (SELECT coalesce(json_agg(json_build_object('name', m.name,"
            "   'geometry', ST_AsGeoJSON(ST_Transform(ST_Intersection(m.geom, box.b), 2154), 1)::json,"
            "   'label', ST_AsGeoJSON(ST_Transform(ST_PointOnSurface(ST_Intersection(m.geom, box.b)), 2154),"
            "   1)::json)), '[]'::json)"
            "  FROM communes m, box WHERE ST_Intersects(m.geom, box.b)),"
            " (SELECT coalesce(json_agg(ST_AsGeoJSON(ST_Transform(ST_Intersection(q.geom, box.b), 2154), 1)::json),"
            "   '[]'::json)"
            "  FROM qpv q, box WHERE q.geom IS NOT NULL AND ST_Intersects(q.geom, box.b))"
        ),
        {"id": consultation_id, "x0": grid.minx, "y0": grid.miny, "x1": grid.maxx, "y1": grid.maxy},
    ).one()
    return {"perimeter": row[0], "buffer": row[1], "communes": row[2], "qpv": row[3]}


def printable_fingerprint(workshop, paper):
    """Everything a printed map depends on, as a string (its cache key)."""
    consultation = workshop.consultation
    # Moderation may change rows without touching updated_at: hash what is drawn, published rows only.
    digest = db.session.execute(
        text(
            "SELECT count(*), md5(string_agg(concat_ws(':', id, theme_slug, title, ST_AsText(anchor),"
            " agree_count + workshop_agree_count - disagree_count - workshop_disagree_count), ',' ORDER BY id))"
            " FROM contributions WHERE consultation_id = :c AND status = 'published'"
        ),
        {"c": consultation.id},
    ).one()
    parts = (workshop.id, paper, workshop.title, workshop.starts_at, workshop.place_name, workshop.address)
    parts += (consultation.title, consultation.buffer_m, public_map_url(consultation), *digest)
    return "|".join(str(part) for part in parts)
