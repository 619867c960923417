"""Writes on contributions: create, vote, retract, comment. They flush; the caller commits."""

import re
from functools import cache

import shapely
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Integer, bindparam, column, func, insert, select, text
from sqlalchemy.orm.attributes import set_committed_value

from app.consultations.models import Consultation, utcnow
from app.contributions.geometry import GeometryError, parse_geometry
from app.contributions.models import COUNTERS, Comment, Contribution, Photo
from app.contributions.photos import MAX_PHOTOS, PhotoError, process_photo, read_upload, store_photo
from app.contributions.placing import PLACED_COLUMNS, inside, placed_source
from app.contributions.queries import shown_geometry, shown_names
from app.contributions.tasks import FOLLOW_UP_JOB
from app.dbpool import RawStatement, entity_columns
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.jobs import outbox_insert, outbox_params, written_by_statement
from app.notifications.follows import FOLLOW_BY_DEFAULT_SQL, authors_follow, follow_params
from app.territory.identity import current_territory, in_territory

TITLE_MIN, TITLE_MAX, BODY_MAX, COMMENT_MAX = 3, 140, 5000, 2000
OUTSIDE_PERIMETER = _l(
    "Ce lieu est en dehors du périmètre de la concertation : placez votre idée dans le quartier "
    "ou à moins de %(buffer)s m de ses limites."
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value):
    """Plain text as typed (shown escaped): control characters removed, line breaks normalised."""
    if value is None:
        return ""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


def check_can_participate(user):
    """Forbidden unless `user` has a confirmed account and is not suspended or banned."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Forbidden(_("Connectez-vous pour participer."))
    if user.confirmed_at is None:
        raise Forbidden(
            _("Confirmez d'abord votre adresse e-mail (lien reçu par courriel) pour participer."),
            code="unconfirmed",
        )
    if not user.can_post():
        raise Forbidden(_("Votre compte est suspendu : vous ne pouvez pas participer pour le moment."))


NOT_PUBLISHED = _l("Cette idée n'est pas publiée : on ne peut pas encore y réagir.")


def check_open(consultation, action="propose"):
    """Forbidden with the French reason unless the current phase allows `action` (propose, vote, comment)."""
    from app.consultations.phases import check_action

    check_action(consultation, action)


def create_contribution(
    author,
    consultation,
    geometry,
    theme_slug,
    title,
    body,
    photos=(),
    source="web",
    workshop=None,
    participant=None,
    kiosk=None,
    refresh_map=True,
):
    """Validate and insert a contribution (QPV, commune and anchor derived in SQL); returns it.

    `refresh_map=False` for bulk inserts that rebuild the map grid once themselves."""
    if author is not None:
        check_can_participate(author)
    check_open(consultation)
    title, body, photos = clean_text(title), clean_text(body), list(photos or ())
    fields = _validate_fields(consultation, theme_slug, title, body, photos)
    try:
        shape = parse_geometry(geometry, consultation.geometry_kinds or ["point"])
    except GeometryError as error:
        fields["geometry"] = [str(error)]
    if fields:
        raise Invalid(next(iter(fields.values()))[0], fields=fields)
    processed = _process_photos(photos, fields)
    if fields:
        raise Invalid(fields["photos"][0], fields=fields)
    pending = consultation.moderation_mode == "pre" or source == "kiosk"
    now = utcnow()
    values = dict(
        consultation_id=consultation.id,
        author_id=author.id if author is not None else None,
        workshop_id=workshop.id if workshop is not None else None,
        participant_id=participant.id if participant is not None else None,
        kiosk_id=kiosk.id if kiosk is not None else None,
        theme_slug=theme_slug,
        title=title,
        body=body,
        source=source,
        status="pending" if pending else "published",
        published_at=None if pending else now,
        created_at=now,
        updated_at=now,
        **NEW_COUNTS,
    )
    # One INSERT … SELECT … RETURNING that places the new idea (nothing inserted outside the perimeter)
    # and puts it in the session as it is stored, without the unit of work nor the ORM's result
    # machinery (its geometries, not needed here, load if read). Its author follows it (notifications'
    # default follow) in the same statement, which returns too what its JSON shows beside its columns.
    # Unless in bulk (refresh_map=False: tell nobody, name nothing), one job follows it up after the commit
    # (tasks.follow_up_new_contribution: the map grid and the followers when published at once, the
    # address near it in any case), its outbox row written by the same statement.
    shown = {}
    params = {**values, "wkt": shapely.to_wkt(shape), "cid": consultation.id}
    if refresh_map:
        params.update(outbox_params("default", FOLLOW_UP_JOB, job_timeout=120), announce=not pending)
    statement = _insert_statement(tuple(values), refresh_map)
    contribution = statement.entity(db.session, Contribution, params, extras=shown)
    if contribution is None:
        message = OUTSIDE_PERIMETER % {"buffer": consultation.buffer_m}
        raise Invalid(message, fields={"geometry": [message]}, code="outside_perimeter")
    contribution.created_view = shown
    if refresh_map:
        written_by_statement(params, contribution.id, not pending)
    for position, photo in enumerate(processed):
        _attach_photo(contribution, photo, position)
    db.session.flush()
    return contribution


def point_inside(consultation, lon, lat):
    """Whether (lon, lat) lies in the perimeter + buffer (the form flags a place outside at once)."""
    return inside(consultation, shapely.Point(lon, lat))


NEW_COUNTS = dict.fromkeys(COUNTERS, 0)


@cache
def _insert_statement(names, follow_up):
    """Built once (for the column names create_contribution gives, with or without its follow-up job):
    a new contribution's INSERT, placed by `placed_source`, RETURNING its columns but the geometries and
    the search vector, with what its JSON shows beside them; its author's follow; the outbox row of its
    follow-up job (bound `announce` and jobs.outbox_params)."""
    table = Contribution.__table__
    values = [bindparam(name, type_=table.c[name].type) for name in names]
    idea = (
        insert(Contribution)
        .from_select([*names, *PLACED_COLUMNS], placed_source(values))
        .returning(*entity_columns(Contribution, without=("geom", "anchor")), *shown_geometry(table))
        .cte("new_idea")
    )
    statement = select(idea, *shown_names(idea)).add_cte(authors_follow(idea))
    if follow_up:
        arguments = func.jsonb_build_array(idea.c.id, bindparam("announce", type_=Boolean))
        statement = statement.add_cte(outbox_insert(idea, arguments))
    return RawStatement(statement)


def _validate_fields(consultation, theme_slug, title, body, photos):
    fields = {}
    if theme_slug not in consultation.theme_slug_set():
        fields["theme"] = [_("Choisissez un thème de la concertation.")]
    if len(title) < TITLE_MIN:
        fields["title"] = [_("Le titre doit faire au moins %(title_min)s caractères.", title_min=TITLE_MIN)]
    elif len(title) > TITLE_MAX:
        fields["title"] = [_("Le titre doit faire au plus %(title_max)s caractères.", title_max=TITLE_MAX)]
    if len(body) > BODY_MAX:
        fields["body"] = [_("Le texte doit faire au plus %(body_max)s caractères.", body_max=BODY_MAX)]
    if len(photos) > MAX_PHOTOS:
        fields["photos"] = [_("%(max_photos)s photos au maximum.", max_photos=MAX_PHOTOS)]
    return fields


def _process_photos(photos, fields):
    """Every photo checked and re-encoded in memory before anything is written."""
    processed = []
    for upload in photos:
        try:
            processed.append(process_photo(read_upload(upload)))
        except PhotoError as error:
            fields["photos"] = [str(error)]
            return []
    return processed


def add_photos(user, contribution, uploads):
    """Attach photos to one's own idea (3 in all at most), checked like the ones sent with it."""
    check_can_participate(user)
    check_open(contribution.consultation)
    if contribution.author_id != user.id:
        raise Forbidden(_("Seule la personne qui a proposé cette idée peut y ajouter des photos."))
    uploads = list(uploads or ())
    if not uploads:
        raise Invalid(_("Aucune photo reçue."), fields={"photos": [_("Choisissez au moins une photo.")]})
    db.session.execute(
        text("SELECT id FROM contributions WHERE id = :id FOR NO KEY UPDATE"), {"id": contribution.id}
    )
    existing = db.session.execute(
        text("SELECT count(*) FROM photos WHERE contribution_id = :id"), {"id": contribution.id}
    ).scalar()
    if existing + len(uploads) > MAX_PHOTOS:
        message = _(
            "%(max_photos)s photos au maximum par idée (déjà %(existing)s).",
            max_photos=MAX_PHOTOS,
            existing=existing,
        )
        raise Invalid(message, fields={"photos": [message]})
    fields = {}
    processed = _process_photos(uploads, fields)
    if fields:
        raise Invalid(fields["photos"][0], fields=fields)
    for offset, photo in enumerate(processed):
        _attach_photo(contribution, photo, existing + offset)
    db.session.flush()
    db.session.expire(contribution, ["photos"])
    return contribution


def _attach_photo(contribution, processed, position):
    path, thumb_path = store_photo(processed)
    db.session.add(
        Photo(
            contribution_id=contribution.id,
            position=position,
            path=path,
            thumb_path=thumb_path,
            width=processed.width,
            height=processed.height,
            size_bytes=len(processed.image),
        )
    )


# --- votes ------------------------------------------------------------------------------------------
def _lock_for_reaction(contribution):
    """Lock the contribution row: its votes and counters change one transaction at a time."""
    row = db.session.execute(
        text("SELECT status FROM contributions WHERE id = :id FOR NO KEY UPDATE"), {"id": contribution.id}
    ).one()
    if row.status != "published":
        raise Conflict(NOT_PUBLISHED, code="not_published")


def _check_vote(user, contribution, value):
    check_can_participate(user)
    check_open(contribution.consultation, "vote")
    _check_value(contribution.consultation.voting_mode, value)


def _check_value(voting_mode, value):
    allowed = (1,) if voting_mode == "support" else (1, -1)
    if value not in allowed:
        message = (
            _("Valeur de vote invalide : 1 (soutenir).")
            if allowed == (1,)
            else _("Valeur de vote invalide : 1 (d'accord) ou -1 (pas d'accord).")
        )
        raise Invalid(message, fields={"value": [message]})


# The row lock first (its own statement); then one statement reads the previous vote and writes.
LOCK_SQL = text("SELECT c.status FROM contributions c WHERE c.id = :c FOR NO KEY UPDATE OF c")
# Read after the lock (its own statement, so its snapshot sees every vote committed before the lock was
# granted: a snapshot taken before waiting would miss a double tap's vote): the previous vote, the new
# vote (unless it is the same) and the counters, returned in every case.
VOTE_SQL = text(
    "WITH prev AS (SELECT value FROM votes WHERE contribution_id = :c AND user_id = :u),"
    " written AS (INSERT INTO votes (contribution_id, user_id, value, created_at, updated_at)"
    "  SELECT :c, :u, :v, now(), now() WHERE NOT EXISTS (SELECT 1 FROM prev WHERE value = :v)"
    "  ON CONFLICT (contribution_id, user_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
    "  RETURNING 1),"
    # Voters follow the idea (notifications.follow_by_default), in the same statement.
    f" followed AS ({FOLLOW_BY_DEFAULT_SQL}),"
    " shifted AS (UPDATE contributions SET"
    "  agree_count = agree_count + :a - (SELECT count(*) FROM prev WHERE value = 1),"
    "  disagree_count = disagree_count + :d - (SELECT count(*) FROM prev WHERE value = -1)"
    "  WHERE id = :c AND EXISTS (SELECT 1 FROM written) RETURNING agree_count, disagree_count, comment_count)"
    " SELECT agree_count, disagree_count, comment_count FROM shifted UNION ALL"
    " SELECT agree_count, disagree_count, comment_count FROM contributions"
    "  WHERE id = :c AND NOT EXISTS (SELECT 1 FROM written)"
).columns(  # typed columns: the result's description is compiled once, not read at every vote
    column("agree_count", Integer), column("disagree_count", Integer), column("comment_count", Integer)
)


def cast_vote(user, contribution, value):
    """Agree (+1) / disagree (-1) or support (+1); replaces the user's previous vote; returns counts.

    Two statements in the request's transaction (the lock, then previous vote, vote and counters)."""
    _check_vote(user, contribution, value)
    row = db.session.execute(LOCK_SQL, {"c": contribution.id}).one()
    if row.status != "published":
        raise Conflict(NOT_PUBLISHED, code="not_published")
    return _sync(contribution, _write_vote(contribution.id, user.id, value))


def _write_vote(contribution_id, user_id, value):
    """The vote and the counters, one statement (under the row lock); returns the counters' row."""
    agree, disagree = _delta(value, +1)
    params = {"c": contribution_id, "u": user_id, "v": value, "a": agree, "d": disagree}
    params.update(follow_params(user_id, contribution_id, "vote"))
    return _VOTE.run(db.session, params)[0]


_VOTE = RawStatement(VOTE_SQL)


@cache
def _vote_lock_statement():
    """Built once, at the first vote: the idea's row locked (FOR NO KEY UPDATE OF contributions), what
    the visibility check reads, the voting mode and whether votes are open now, as plain columns."""
    from app.consultations.phases import open_now

    return RawStatement(
        select(
            Contribution.status,
            Contribution.author_id,
            Contribution.merged_into_id,
            Contribution.consultation_id,
            Consultation.voting_mode,
            open_now(Consultation, "vote").label("votes_open"),
        )
        .join(Consultation, Contribution.consultation_id == Consultation.id)
        .where(
            Contribution.id == bindparam("contribution_id"),
            # another territory's ideas are not served here (the served territory is a parameter)
            in_territory(Consultation.territory, bindparam("territory")),
        )
        .with_for_update(of=Contribution, key_share=True)
    )


def _locked_for_vote(contribution_id):
    """(status, author_id, merged_into_id, consultation_id, voting_mode, votes_open) of an idea, its row
    locked: one statement, no object built; or None."""
    params = {"contribution_id": contribution_id, "territory": current_territory()}
    rows = _vote_lock_statement().run(db.session, params)
    return rows[0] if rows else None


def vote_by_id(user, contribution_id, value):
    """cast_vote for an idea known by its id, in two statements; returns (counts, voting mode)."""
    from app.contributions.queries import MAX_ID

    row = _locked_for_vote(contribution_id) if 0 < contribution_id <= MAX_ID else None
    visible = row is not None and (
        row.status == "published"
        or row.author_id == user.id
        or (row.status == "merged" and row.merged_into_id is not None)
        or user.is_staff
    )
    if not visible:
        raise NotFound(_("Cette idée n'existe pas ou n'est pas visible."))
    check_can_participate(user)
    if not row.votes_open:  # the sentence saying why comes from the one rule (phases.refusal)
        check_open(db.session.get(Consultation, row.consultation_id), "vote")
    _check_value(row.voting_mode, value)
    if row.status != "published":
        raise Conflict(NOT_PUBLISHED, code="not_published")
    counts = _write_vote(contribution_id, user.id, value)
    return {"agree": counts.agree_count, "disagree": counts.disagree_count}, row.voting_mode


def retract_vote(user, contribution):
    """Remove the user's vote if there is one; returns the counts."""
    check_can_participate(user)
    check_open(contribution.consultation, "vote")
    _lock_for_reaction(contribution)
    previous = db.session.execute(
        text("DELETE FROM votes WHERE contribution_id = :c AND user_id = :u RETURNING value"),
        {"c": contribution.id, "u": user.id},
    ).scalar()
    if previous is None:
        return _counts(contribution)
    return _shift_counts(contribution, _delta(previous, -1))


def _delta(value, sign):
    if value is None:
        return (0, 0)
    return (sign, 0) if value == 1 else (0, sign)


def _shift_counts(contribution, *deltas):
    agree = sum(d[0] for d in deltas)
    disagree = sum(d[1] for d in deltas)
    row = db.session.execute(
        text(
            "UPDATE contributions SET agree_count = agree_count + :a, disagree_count = disagree_count + :d"
            " WHERE id = :id RETURNING agree_count, disagree_count, comment_count"
        ),
        {"a": agree, "d": disagree, "id": contribution.id},
    ).one()
    return _sync(contribution, row)


def _counts(contribution):
    row = db.session.execute(
        text("SELECT agree_count, disagree_count, comment_count FROM contributions WHERE id = :id"),
        {"id": contribution.id},
    ).one()
    return _sync(contribution, row)


def _sync(contribution, row):
    """Copy the database counters onto the loaded object without marking it dirty."""
    set_committed_value(contribution, "agree_count", row.agree_count)
    set_committed_value(contribution, "disagree_count", row.disagree_count)
    set_committed_value(contribution, "comment_count", row.comment_count)
    return {"agree": row.agree_count, "disagree": row.disagree_count, "comments": row.comment_count}


# --- comments -----------------------------------------------------------------------------------------
def add_comment(user, contribution, body, parent=None):
    """A comment, or a reply (one level: a reply to a reply joins its thread); returns it."""
    check_can_participate(user)
    check_open(contribution.consultation, "comment")
    body = clean_text(body)
    if not body:
        raise Invalid(_("Le commentaire est vide."), fields={"body": [_("Écrivez votre commentaire.")]})
    if len(body) > COMMENT_MAX:
        message = _("Le commentaire doit faire au plus %(comment_max)s caractères.", comment_max=COMMENT_MAX)
        raise Invalid(message, fields={"body": [message]})
    if parent is not None and parent.contribution_id != contribution.id:
        raise Invalid(_("Ce commentaire ne répond pas à cette idée."), fields={"parent_id": [_("Inconnu.")]})
    if parent is not None and parent.parent_id is not None:
        parent = db.session.get(Comment, parent.parent_id)
    _lock_for_reaction(contribution)
    comment = Comment(
        contribution_id=contribution.id,
        parent_id=parent.id if parent is not None else None,
        author_id=user.id,
        body=body,
        status="published",
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    row = db.session.execute(
        text(
            "UPDATE contributions SET comment_count = comment_count + 1 WHERE id = :id"
            " RETURNING agree_count, disagree_count, comment_count"
        ),
        {"id": contribution.id},
    ).one()
    _sync(contribution, row)
    return comment
