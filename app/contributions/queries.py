"""Reads on contributions: visibility, one contribution, the paginated list, comments.

Every read of contributions is one SQL statement whatever the page size: photos, the reader's own
vote, author, commune and QPV names come in the same row (correlated subqueries and joins)."""

import functools
import math
from types import SimpleNamespace

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, literal, or_, select, text
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.orm import defer, joinedload, lazyload

from app import keyset
from app.accounts.models import User
from app.consultations.models import Consultation
from app.contributions import listing
from app.contributions.models import (
    API_SOURCES,
    OUTCOME_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    Comment,
    Contribution,
    Photo,
    Vote,
)
from app.dbpool import RawStatement
from app.errors import NotFound
from app.extensions import db
from app.i18n import label_text
from app.territory.identity import current_territory, in_territory
from app.territory.models import Commune, Qpv, Theme

SORTS = {
    "recent": _l("Les plus récentes"),
    "soutenues": _l("Les plus soutenues"),
    "debattues": _l("Les plus débattues"),
}
PER_PAGE, MAX_PER_PAGE = listing.PER_PAGE, listing.MAX_PER_PAGE
MAX_ID = 2**31 - 1  # ids are PostgreSQL integers: larger ones cannot exist


IDEA_NOT_FOUND = _l("Cette idée n'existe pas ou n'est pas visible.")


def _check_id(value, message=IDEA_NOT_FOUND):
    if not 0 < value <= MAX_ID:
        raise NotFound(message)


def _user_id(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.id


def visible_filter(user):
    """SQL condition: published, or written by `user` (pending/rejected shown to their author only)."""
    uid = _user_id(user)
    published = Contribution.status == "published"
    return or_(published, Contribution.author_id == uid) if uid is not None else published


def _detail_filter(user):
    """Visible, or merged from a published one (the page redirects), or anything for moderators.

    A merge never widens visibility: one that was pending, hidden or rejected stays unknown to the public."""
    return _visibility(_reader_kind(user), current_territory(), _user_id(user))


def _reader_kind(user):
    if _user_id(user) is None:
        return "anonymous"
    return "staff" if user.is_staff else "signed_in"


def _visibility(kind, territory, reader_id):
    """The condition of `_detail_filter` for a kind of reader; values or bound parameters."""
    served = Contribution.consultation_id.in_(
        select(Consultation.id).where(in_territory(Consultation.territory, territory))
    )  # another territory's ideas are not served here, even by their number
    if kind == "staff":
        return served
    published = Contribution.status == "published"
    visible = or_(published, Contribution.author_id == reader_id) if kind == "signed_in" else published
    merged_public = and_(
        Contribution.status == "merged",
        Contribution.merged_into_id.isnot(None),
        Contribution.status_before_merge == "published",
    )
    return and_(served, or_(visible, merged_public))


@functools.cache
def _detail_statement(kind):
    """The detail select per kind of reader, built once and prepared on each connection (building
    it and planning it cost several times running it); bound: contribution_id, territory, reader_id."""
    condition = _visibility(kind, bindparam("territory"), bindparam("reader_id"))
    statement = _rows_for(kind != "anonymous").where(
        Contribution.id == bindparam("contribution_id"), condition
    )
    return RawStatement(statement)


def get_contribution(contribution_id, user):
    """The Contribution (with its consultation) if `user` may see it, else NotFound."""
    _check_id(contribution_id)
    # The consultation's own columns only: its QPV (with perimeters) and themes load if asked for.
    contribution = db.session.scalar(
        select(Contribution)
        .options(joinedload(Contribution.consultation).options(lazyload("*"), defer(Consultation.geom)))
        .where(Contribution.id == contribution_id, _detail_filter(user))
    )
    if contribution is None:
        raise NotFound(_("Cette idée n'existe pas ou n'est pas visible."))
    return contribution


def debate_score():
    """Split opinions weigh most: (a+d)·(1 − |a−d|/(a+d)) = 2·min(a, d), plus the comments."""
    return 2 * func.least(Contribution.agree_count, Contribution.disagree_count) + Contribution.comment_count


def _rows(user):
    """The select behind every contribution read: one row carries everything the JSON needs.

    Built once per kind of reader (signed in or not): the reader's id is the bound `reader_id`
    (see `_reader`), so requests do not rebuild this select."""
    return _rows_for(_user_id(user) is not None)


def _reader(user):
    """Execution parameters of `_rows(user)`."""
    uid = _user_id(user)
    return {} if uid is None else {"reader_id": uid}


# What the JSON shows of the contribution itself: plain columns, no ORM object (nor its geometries,
# which the JSON carries as GeoJSON and an anchor).
ROW_COLUMNS = tuple(
    getattr(Contribution, name)
    for name in (
        "id",
        "status",
        "theme_slug",
        "title",
        "body",
        "qpv_code",
        "commune_insee",
        "address_label",
        "agree_count",
        "disagree_count",
        "workshop_agree_count",
        "workshop_disagree_count",
        "comment_count",
        "outcome",
        "official_answer",
        "moderation_reason",
        "answered_at",
        "source",
        "created_at",
        "published_at",
        "merged_into_id",
        "author_id",
    )
)


@functools.cache
def _rows_for(signed_in):
    photo = func.jsonb_build_object(
        "path", Photo.path, "thumb", Photo.thumb_path, "w", Photo.width, "h", Photo.height
    )
    photos = (
        select(func.coalesce(func.jsonb_agg(aggregate_order_by(photo, Photo.position)), text("'[]'::jsonb")))
        .where(Photo.contribution_id == Contribution.id)
        .scalar_subquery()
    )
    my_vote = (
        select(Vote.value)
        .where(Vote.contribution_id == Contribution.id, Vote.user_id == bindparam("reader_id"))
        .scalar_subquery()
        if signed_in
        else literal(None)
    )
    table = Contribution.__table__
    return select(
        *ROW_COLUMNS,
        *shown_names(table),
        Consultation.slug.label("consultation_slug"),
        Consultation.voting_mode,
        _lookup(User.pseudonym, User.id == Contribution.author_id).label("pseudonym"),
        *shown_geometry(table),
        photos.label("photos"),
        my_vote.label("my_vote"),
    ).join(Consultation, Consultation.id == Contribution.consultation_id)


def shown_names(source):
    """The names a contribution's JSON shows beside its keys (theme label and colour, commune, QPV),
    for the rows of `source`: the contributions table, or new rows returned by their INSERT."""
    return (
        _lookup(Theme.label, Theme.slug == source.c.theme_slug).label("theme_label"),
        _lookup(Theme.color, Theme.slug == source.c.theme_slug).label("theme_color"),
        _lookup(Commune.name, Commune.insee == source.c.commune_insee).label("commune_name"),
        _lookup(Qpv.name, Qpv.code == source.c.qpv_code).label("qpv_name"),
    )


def shown_geometry(table):
    """What a contribution's JSON shows of its geometries (GeoJSON, the anchor's lon and lat), from the
    contributions table (in a RETURNING too)."""
    return (
        func.ST_AsGeoJSON(table.c.geom, 6).cast(JSONB).label("geometry"),
        func.ST_X(table.c.anchor).label("lon"),
        func.ST_Y(table.c.anchor).label("lat"),
    )


def _lookup(column, condition):
    """A name by its key, as a scalar subquery rather than an outer join: PostgreSQL plans these rows
    at each read (a prepared detail too: its custom plans win), and a join order over seven tables
    cost it a millisecond to plan, ten times the execution."""
    return select(column).where(condition).scalar_subquery()


def contribution_detail(contribution_id, user):
    """One contribution as a dict (the API's JSON), one statement; NotFound if not visible."""
    _check_id(contribution_id)
    params = {"contribution_id": contribution_id, "territory": current_territory(), **_reader(user)}
    rows = _detail_statement(_reader_kind(user)).run(db.session, params)
    if not rows:
        raise NotFound(_("Cette idée n'existe pas ou n'est pas visible."))
    return serialize(rows[0])


def created_detail(contribution, consultation, author):
    """The JSON of a contribution just created without photos, as `contribution_detail` would read it
    back, from what its INSERT returned (services.create_contribution): no statement."""
    row = SimpleNamespace(
        **{column.key: getattr(contribution, column.key) for column in ROW_COLUMNS},
        **contribution.created_view,
        consultation_slug=consultation.slug,
        voting_mode=consultation.voting_mode,
        pseudonym=author.pseudonym if author is not None else None,
        photos=[],
        my_vote=None,
    )
    return serialize(row)


def list_contributions(
    consultation,
    user,
    theme=None,
    qpv=None,
    outcome=None,
    sort="recent",
    q=None,
    cursor=None,
    before=None,
    page=1,
    per_page=PER_PAGE,
):
    """A page of the consultation's visible contributions, filtered and sorted, by keyset (2–3 statements).

    `cursor` (or `before`, paging back) is the opaque cursor of a previous page; `page` only serves
    old links (an offset over the same order, up to listing.MAX_COMPAT_PAGE)."""
    per_page = max(1, min(per_page or PER_PAGE, MAX_PER_PAGE))
    sort = sort if sort in SORTS else "recent"
    _, convert = listing.sort_key(sort)
    after = keyset.decode(cursor, sort, (convert, keyset.integer))
    back = keyset.decode(before, sort, (convert, keyset.integer)) if after is None else None
    page = 1 if after or back else max(1, min(page or 1, listing.MAX_COMPAT_PAGE))
    where = listing.conditions(consultation, theme, qpv, outcome, q)
    uid = _user_id(user)
    ids = listing.page_ids(where, uid, sort, after, back, limit=per_page + 1, offset=(page - 1) * per_page)
    rows = db.session.execute(
        _rows(user)
        .add_columns(ids.c.key.label("sort_key"))
        .join(ids, ids.c.id == Contribution.id)
        .order_by(*((ids.c.key.asc(), ids.c.id.asc()) if back else (ids.c.key.desc(), ids.c.id.desc()))),
        _reader(user),
    ).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    if back:
        rows.reverse()
    total, estimated = listing.count(where, uid, searching=listing.search_query(q) is not None)
    has_next, has_previous = (more or back is not None), (after is not None or page > 1 or (back and more))
    return {
        "items": [serialize(row) for row in rows],
        "count": total,
        "count_estimated": estimated,
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, math.ceil(total / per_page)),
        "next": _cursor(sort, rows[-1]) if rows and has_next else None,
        "previous": _cursor(sort, rows[0]) if rows and has_previous else None,
    }


def _cursor(sort, row):
    return keyset.encode(sort, (row.sort_key, row.id))


def serialize(row):
    """The JSON dict of a contribution row from `_rows` (plain columns: no ORM object)."""
    if row.voting_mode == "support":
        votes = {"support": row.agree_count}
    else:
        votes = {"agree": row.agree_count, "disagree": row.disagree_count}
    return {
        "id": row.id,
        "consultation": row.consultation_slug,
        "status": row.status,
        "status_label": label_text(STATUS_LABELS.get(row.status, row.status)),
        "theme": row.theme_slug,
        "theme_label": row.theme_label,
        "theme_color": row.theme_color,
        "title": row.title,
        "body": row.body,
        "qpv": row.qpv_code,
        "qpv_name": row.qpv_name,
        "commune": row.commune_name,
        "commune_insee": row.commune_insee,
        "address": row.address_label,
        "geometry": row.geometry,
        "anchor": [round(row.lon, 6), round(row.lat, 6)],
        "voting_mode": row.voting_mode,
        "votes": votes,
        "workshop_votes": {"agree": row.workshop_agree_count, "disagree": row.workshop_disagree_count},
        "my_vote": row.my_vote,
        "comments": row.comment_count,
        "outcome": row.outcome,
        "outcome_label": label_text(OUTCOME_LABELS[row.outcome]) if row.outcome in OUTCOME_LABELS else None,
        "official_answer": row.official_answer,
        # Only the author or staff can load a non-published contribution: they see why.
        "moderation_reason": row.moderation_reason
        if row.status in ("pending", "rejected", "hidden")
        else None,
        "answered_at": row.answered_at,
        "source": API_SOURCES[row.source],
        "source_label": label_text(SOURCE_LABELS.get(row.source, row.source)),
        "created_at": row.created_at,
        "published_at": row.published_at,
        "merged_into": row.merged_into_id,
        "photos": [_photo_urls(p) for p in row.photos or []],
        "url": url_for("contributions.detail", contribution_id=row.id),
        "author": row.pseudonym,
        "author_id": row.author_id,
    }


def _photo_urls(photo):
    return {
        "url": url_for("contributions.media", path=photo["path"]),
        "thumb_url": url_for("contributions.media", path=photo["thumb"]),
        "width": photo["w"],
        "height": photo["h"],
    }


def list_comments(contribution_id):
    """Threads of a contribution: [{comment..., replies: [...]}], oldest first; one statement."""
    rows = db.session.execute(
        select(Comment, User.pseudonym)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.contribution_id == contribution_id, Comment.status != "pending")
        .order_by(Comment.created_at, Comment.id)
        .limit(1000)
    ).all()
    threads, by_id = [], {}
    for comment, pseudonym in rows:
        item = comment_dict(comment, pseudonym)
        if comment.parent_id is None:
            item["replies"] = []
            threads.append(item)
            by_id[comment.id] = item
        elif comment.parent_id in by_id:
            by_id[comment.parent_id]["replies"].append(item)
    return threads


def comment_dict(comment, pseudonym):
    """The JSON dict of one comment (the text of a hidden one is withheld)."""
    hidden = comment.status == "hidden"
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": None if hidden else pseudonym,
        "body": None if hidden else comment.body,
        "hidden": hidden,
        "created_at": comment.created_at,
    }


def get_comment(comment_id, contribution_id):
    """A published comment of this contribution, or NotFound."""
    if not 0 < comment_id <= MAX_ID:
        raise NotFound(
            _("Ce commentaire n'existe pas."), fields={"parent_id": [_("Commentaire introuvable.")]}
        )
    comment = db.session.scalar(
        select(Comment).where(
            Comment.id == comment_id,
            Comment.contribution_id == contribution_id,
            Comment.status == "published",
        )
    )
    if comment is None:
        raise NotFound(
            _("Ce commentaire n'existe pas."), fields={"parent_id": [_("Commentaire introuvable.")]}
        )
    return comment


def consultation_perimeter(consultation_id):
    """The perimeter, simplified for a phone (≈ 5 m), as a GeoJSON geometry."""
    return db.session.execute(
        text(
            "SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.00005), 5)::json"
            " FROM consultations WHERE id = :id"
        ),
        {"id": consultation_id},
    ).scalar_one()


MAX_TITLE_IDS = 500  # the most ideas the map shows at once


def contribution_titles(consultation_id, ids, user_id=None):
    """{id: title} of the given ideas of a consultation that this visitor may see (as the map does)."""
    if not ids:
        return {}
    rows = db.session.execute(
        text(
            "SELECT id, title FROM contributions WHERE consultation_id = :cid AND id = ANY(:ids)"
            " AND (status = 'published' OR (status = 'pending' AND author_id = :uid))"
        ),
        {"cid": consultation_id, "ids": list(ids)[:MAX_TITLE_IDS], "uid": user_id},
    ).all()
    return {str(row.id): row.title for row in rows}
