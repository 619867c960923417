"""Everything the back office shows about one contribution."""

from sqlalchemy import select, text
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.contributions.models import Comment, Contribution, ContributionVersion
from app.errors import NotFound
from app.extensions import db
from app.moderation.models import Flag, ModerationAction
from app.moderation.queries.duplicates import suggest_duplicates


def get_contribution(contribution_id):
    """The contribution (with author, consultation and theme) or NotFound."""
    contribution = db.session.scalar(
        select(Contribution)
        .options(joinedload(Contribution.author), joinedload(Contribution.consultation))
        .where(Contribution.id == contribution_id)
    )
    if contribution is None:
        raise NotFound("Cette contribution n'existe pas.")
    return contribution


def get_comment(comment_id):
    """The comment or NotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("Ce commentaire n'existe pas.")
    return comment


def contribution_place(contribution_id):
    """Anchor lon/lat, geometry type, QPV and commune names of a contribution."""
    return (
        db.session.execute(
            text(
                "SELECT ST_X(c.anchor) AS lon, ST_Y(c.anchor) AS lat, GeometryType(c.geom) AS geometry_type,"
                " ST_AsGeoJSON(c.geom, 6)::json AS geometry, q.name AS qpv_name, m.name AS commune_name"
                " FROM contributions c LEFT JOIN qpv q ON q.code = c.qpv_code"
                " LEFT JOIN communes m ON m.insee = c.commune_insee WHERE c.id = :id"
            ),
            {"id": contribution_id},
        )
        .mappings()
        .one()
    )


def contribution_history(contribution_id):
    """Versions (newest first, with editor) and audit entries of a contribution."""
    versions = db.session.execute(
        select(ContributionVersion, User.pseudonym)
        .outerjoin(User, User.id == ContributionVersion.editor_id)
        .where(ContributionVersion.contribution_id == contribution_id)
        .order_by(ContributionVersion.created_at.desc(), ContributionVersion.id.desc())
    ).all()
    actions = db.session.scalars(
        select(ModerationAction)
        .options(joinedload(ModerationAction.actor))
        .where(ModerationAction.target_type == "contribution", ModerationAction.target_id == contribution_id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
    ).all()
    return {"versions": versions, "actions": actions}


def contribution_comments(contribution_id):
    """All comments (any status) with author pseudonym and open flags, oldest first."""
    return (
        db.session.execute(
            text(
                "SELECT m.id, m.body, m.status, m.flag_count, m.moderation_reason, m.created_at, m.parent_id,"
                " u.pseudonym AS author,"
                " (SELECT json_agg(json_build_object('reason', f.reason, 'details', f.details) ORDER BY f.created_at)"
                "  FROM flags f WHERE f.comment_id = m.id AND f.resolved_at IS NULL) AS flags"
                " FROM comments m LEFT JOIN users u ON u.id = m.author_id"
                " WHERE m.contribution_id = :id ORDER BY m.created_at, m.id"
            ),
            {"id": contribution_id},
        )
        .mappings()
        .all()
    )


def contribution_flags(contribution_id):
    """Flags of a contribution (open first), with the flagger's pseudonym."""
    return db.session.execute(
        select(Flag, User.pseudonym)
        .join(User, User.id == Flag.user_id)
        .where(Flag.contribution_id == contribution_id)
        .order_by(Flag.resolved_at.is_not(None), Flag.created_at.desc())
    ).all()


def merged_into_this(contribution_id):
    """Contributions merged into this one (id, title)."""
    return db.session.execute(
        select(Contribution.id, Contribution.title)
        .where(Contribution.merged_into_id == contribution_id)
        .order_by(Contribution.id)
    ).all()


def contribution_detail(contribution_id):
    """The detail page's data in one dict."""
    contribution = get_contribution(contribution_id)
    return {
        "contribution": contribution,
        "place": contribution_place(contribution_id),
        "comments": contribution_comments(contribution_id),
        "flags": contribution_flags(contribution_id),
        "duplicates": suggest_duplicates(contribution_id, k=5) if contribution.status != "merged" else [],
        "merged_from": merged_into_this(contribution_id),
        **contribution_history(contribution_id),
    }
