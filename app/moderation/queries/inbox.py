"""The moderation inbox: tabs with counts, filters, one page of items (a fixed number of statements)."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from app import keyset
from app.extensions import db
from app.keyset import COUNT_CAP
from app.moderation.queries.duplicates import duplicate_params, duplicates_json_sql

TABS = {
    "pending": _l("Nouvelles"),
    "review": _l("À relire"),
    "flagged": _l("Signalées"),
    "published": _l("Publiées"),
    "rejected": _l("Refusées"),
    "hidden": _l("Masquées"),
    "merged": _l("Fusionnées"),
}
# « À relire »: published under post-moderation, looked at by no moderator yet (partial index
# ix_contributions_to_review, in the keyset order created_at, id).
REVIEW_CONDITION = (
    "c.status = 'published' AND c.reviewed_at IS NULL"
    " AND c.consultation_id IN (SELECT id FROM consultations WHERE moderation_mode = 'post')"
)
TAB_CONDITIONS = {
    "flagged": "c.flag_count > 0 AND c.status <> 'merged'",
    "review": REVIEW_CONDITION,
    **{tab: f"c.status = '{tab}'" for tab in TABS if tab not in ("flagged", "review")},
}
DUPLICATE_TABS = ("pending", "review", "flagged")  # where triage happens (previews cost a KNN scan per row)
PAGE_SIZE = 50
# Triage tabs: each card carries its duplicate suggestions (a KNN scan and a text ranking, ~1 ms per
# card at 1M contributions), so their pages hold half as many cards (p95 under 100 ms at 1M).
TRIAGE_PAGE_SIZE = 25


@dataclass
class InboxFilters:
    tab: str = "pending"
    consultation_id: int | None = None
    qpv: str | None = None
    theme: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    author: str | None = None
    source: str | None = None
    sort: str = "newest"
    after: tuple | None = None  # keyset cursors (created_at, id), decoded
    before: tuple | None = None
    per_page: int = PAGE_SIZE
    # The consultations the moderator may see (None: every one, for platform-wide moderators).
    allowed_ids: list | None = None


def _where(filters):
    """SQL conditions (fixed fragments) and bound values for every filter but the tab."""
    clauses, params = ["TRUE"], {}
    simple = {
        "consultation_id": "c.consultation_id = :consultation_id",
        "qpv": "c.qpv_code = :qpv",
        "theme": "c.theme_slug = :theme",
        "source": "c.source = :source",
    }
    for name, clause in simple.items():
        if getattr(filters, name):
            clauses.append(clause)
            params[name] = getattr(filters, name)
    if filters.allowed_ids is not None:
        clauses.append("c.consultation_id = ANY(CAST(:allowed_ids AS integer[]))")
        params["allowed_ids"] = list(filters.allowed_ids)
    if filters.date_from:
        clauses.append("c.created_at >= (CAST(:date_from AS date)::timestamp AT TIME ZONE 'Europe/Paris')")
        params["date_from"] = filters.date_from
    if filters.date_to:
        clauses.append("c.created_at < ((CAST(:date_to AS date) + 1)::timestamp AT TIME ZONE 'Europe/Paris')")
        params["date_to"] = filters.date_to
    if filters.author:
        clauses.append("c.author_id IN (SELECT id FROM users WHERE pseudonym ILIKE :author ESCAPE '\\')")
        escaped = filters.author.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["author"] = f"%{escaped}%"
    return " AND ".join(clauses), params


def inbox_counts(filters):
    """{tab: number of contributions} under the filters, in one statement; counts stop at COUNT_CAP + 1.

    Each tab reads at most COUNT_CAP + 1 entries of its index (status, created_at, id), whatever the size."""
    where, params = _where(filters)
    columns = ", ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM contributions c WHERE {where} AND {cond} LIMIT :cap) x) AS {tab}"
        for tab, cond in TAB_CONDITIONS.items()
    )
    row = db.session.execute(text(f"SELECT {columns}"), {**params, "cap": COUNT_CAP + 1}).mappings().one()
    return dict(row)


def decode_cursor(cursor):
    """The (created_at, id) of an inbox cursor, or Invalid."""
    return keyset.decode(cursor, "inbox", (keyset.timestamp, keyset.integer))


ITEMS_SQL = """
WITH page AS (
  SELECT c.id, c.created_at FROM contributions c WHERE {where} AND {tab} AND {after}
  ORDER BY {order} LIMIT :limit
)
SELECT c.id, c.title, c.body, c.status, c.source, c.created_at, c.flag_count, c.agree_count,
  c.disagree_count, c.comment_count, c.moderation_reason, c.merged_into_id, c.outcome, c.official_answer,
  c.consultation_id, c.qpv_code, c.theme_slug, c.author_id,
  (c.status = 'published' AND c.reviewed_at IS NULL AND co.moderation_mode = 'post') AS to_review,
  co.slug AS consultation_slug, co.title AS consultation_title, co.moderation_mode,
  t.label AS theme_label, t.color AS theme_color, q.name AS qpv_name, m.name AS commune_name,
  u.pseudonym AS author, (u.banned_at IS NOT NULL OR u.suspended_until > now()) AS author_sanctioned,
  (SELECT count(*) FROM contributions r WHERE r.author_id = c.author_id AND r.status IN ('rejected', 'hidden'))
    AS author_strikes,
  to_char(c.created_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YY HH24:MI') AS created_label,
  ST_X(c.anchor) AS lon, ST_Y(c.anchor) AS lat,
  ARRAY(SELECT p.thumb_path FROM photos p WHERE p.contribution_id = c.id ORDER BY p.position LIMIT 4) AS thumbs,
  (SELECT json_agg(json_build_object('reason', f.reason, 'details', f.details) ORDER BY f.created_at)
    FROM flags f WHERE f.contribution_id = c.id AND f.resolved_at IS NULL) AS flags,
  dup.duplicates
FROM page JOIN contributions c ON c.id = page.id
JOIN consultations co ON co.id = c.consultation_id
JOIN themes t ON t.slug = c.theme_slug
LEFT JOIN qpv q ON q.code = c.qpv_code
LEFT JOIN communes m ON m.insee = c.commune_insee
LEFT JOIN users u ON u.id = c.author_id
LEFT JOIN LATERAL ({duplicates}) dup ON TRUE
ORDER BY {order}
"""


def inbox_items(filters):
    """One page of the tab (keyset on created_at, id), with theme, place, author, photos, flags and
    duplicates; returns (items, next cursor, previous cursor)."""
    where, params = _where(filters)
    after, order, keys, _ = keyset.sql_order(
        ("c.created_at", "c.id"), filters.sort != "oldest", filters.after, filters.before
    )
    with_duplicates = filters.tab in DUPLICATE_TABS
    per_page = min(filters.per_page, TRIAGE_PAGE_SIZE) if with_duplicates else filters.per_page
    duplicates = duplicates_json_sql("c") if with_duplicates else "SELECT NULL::json AS duplicates"
    sql = ITEMS_SQL.format(
        where=where, tab=TAB_CONDITIONS[filters.tab], after=after, order=order, duplicates=duplicates
    )
    params.update(keys, limit=per_page + 1)
    if with_duplicates:
        params.update(duplicate_params(3))
    rows = [dict(row) for row in db.session.execute(text(sql), params).mappings()]
    return keyset.page_of(
        rows, per_page, "inbox", lambda r: (r["created_at"], r["id"]), filters.after, filters.before
    )


OPTIONS_SQL = """
SELECT
  (SELECT coalesce(json_agg(json_build_object('id', id, 'slug', slug, 'title', title,
     'moderation_mode', moderation_mode) ORDER BY title), '[]') FROM consultations
     WHERE (CAST(:allowed_ids AS integer[]) IS NULL OR id = ANY(CAST(:allowed_ids AS integer[])))
       AND coalesce(territory, :territory) = :territory) AS consultations,
  (SELECT coalesce(json_agg(json_build_object('code', code, 'name', name) ORDER BY name), '[]')
     FROM qpv WHERE code IN (SELECT qpv_code FROM consultation_qpvs cq JOIN consultations co
       ON co.id = cq.consultation_id WHERE coalesce(co.territory, :territory) = :territory
       AND (CAST(:allowed_ids AS integer[]) IS NULL OR cq.consultation_id = ANY(CAST(:allowed_ids AS integer[]))))) AS qpvs,
  (SELECT coalesce(json_agg(json_build_object('slug', slug, 'label', label, 'color', color) ORDER BY position), '[]')
     FROM themes) AS themes,
  (SELECT coalesce(json_agg(json_build_object('id', id, 'label', label) ORDER BY position, id), '[]')
     FROM reject_reasons WHERE active) AS reasons
"""


def filter_options(allowed_ids=None):
    """Consultations (those of `allowed_ids` when given), their QPV, themes and active reject reasons
    for the filter bar, in one statement."""
    from app.territory.identity import current_territory

    params = {
        "allowed_ids": None if allowed_ids is None else list(allowed_ids),
        "territory": current_territory(),
    }
    return dict(db.session.execute(text(OPTIONS_SQL), params).mappings().one())


CONSULTATION_OF_SQL = {
    "contribution": "SELECT consultation_id FROM contributions WHERE id = :id",
    "comment": "SELECT c.consultation_id FROM comments m JOIN contributions c ON c.id = m.contribution_id"
    " WHERE m.id = :id",
}


def consultation_of(kind, target_id):
    """The consultation id of a contribution or comment, or NotFound."""
    from flask_babel import gettext as _

    from app.errors import NotFound

    consultation_id = db.session.execute(text(CONSULTATION_OF_SQL[kind]), {"id": target_id}).scalar()
    if consultation_id is None:
        raise NotFound(
            _("Cette contribution n'existe pas.")
            if kind == "contribution"
            else _("Ce commentaire n'existe pas.")
        )
    return consultation_id


def consultations_of(contribution_ids):
    """The distinct consultation ids of these contributions."""
    sql = "SELECT DISTINCT consultation_id FROM contributions WHERE id = ANY(CAST(:ids AS integer[]))"
    return db.session.execute(text(sql), {"ids": list(contribution_ids)}).scalars().all()


def active_reasons():
    """Active reject reasons, in the admin's order."""
    sql = "SELECT id, label FROM reject_reasons WHERE active ORDER BY position, id"
    return db.session.execute(text(sql)).mappings().all()


def consultations_of_actions(action_ids):
    """The distinct consultation ids of the contributions these audit entries are about."""
    sql = (
        "SELECT DISTINCT c.consultation_id FROM moderation_actions a JOIN contributions c ON c.id = a.target_id"
        " WHERE a.target_type = 'contribution' AND a.id = ANY(CAST(:ids AS bigint[]))"
    )
    return db.session.execute(text(sql), {"ids": list(action_ids)}).scalars().all()
