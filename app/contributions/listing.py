"""The list of a consultation's ideas (page and API): keyset paging on an index per sort, full-text search.

One statement for the page (ids by keyset, then the rows of `_rows`), one for a count capped at
COUNT_CAP; beyond the cap the count is the planner's estimate (a third statement) and says so."""

import re

from sqlalchemy import and_, func, literal, or_, select, tuple_, union_all

from app import keyset
from app.contributions.models import Contribution
from app.extensions import db
from app.reports.stopwords import GRAMMAR

GRAMMAR_WORDS = frozenset(GRAMMAR.split())

PER_PAGE, MAX_PER_PAGE = 20, 100
MAX_COMPAT_PAGE = 50  # `?page=N` (old links): an OFFSET over the keyset order, cheap up to here
_WORD = re.compile(r"[^\W_]+")


def sort_key(sort):
    """The sort's key expression (ties broken by id, both descending), and the cursor's converters."""
    if sort == "soutenues":
        return Contribution.agree_count - Contribution.disagree_count, keyset.integer
    if sort == "debattues":
        debate = 2 * func.least(Contribution.agree_count, Contribution.disagree_count)
        return debate + Contribution.comment_count, keyset.integer
    return Contribution.created_at, keyset.timestamp


def search_query(q):
    """A prefix tsquery (French, unaccented) of the words of `q`, or None when it has none.

    Words under 3 letters and grammatical words are left out: PostgreSQL drops stop words from the
    query, and a query left empty would make the list read (and test) every row of the consultation."""
    words = [
        word
        for word in _WORD.findall((q or "").replace("\x00", ""))
        if len(word) >= 3 and word.lower() not in GRAMMAR_WORDS
    ][:8]
    if not words:
        return None
    return func.to_tsquery("french", func.cc_unaccent(" & ".join(f"{w}:*" for w in words)))


def conditions(consultation, theme=None, qpv=None, outcome=None, q=None):
    """Filter conditions shared by the page and its count (visibility apart)."""
    where = [Contribution.consultation_id == consultation.id]
    if theme:
        where.append(Contribution.theme_slug == theme)
    if qpv:
        where.append(Contribution.qpv_code == qpv)
    if outcome == "sans_reponse":
        where.append(Contribution.outcome.is_(None))
    elif outcome:
        where.append(Contribution.outcome == outcome)
    tsquery = search_query(q)
    if tsquery is not None:
        where.append(Contribution.search.op("@@")(tsquery))
    return where


def _visible_parts(where, uid):
    """Published rows (the sort indexes), plus the reader's own unpublished ones (few) when signed in."""
    parts = [and_(*where, Contribution.status == "published")]
    if uid is not None:
        parts.append(and_(*where, Contribution.author_id == uid, Contribution.status != "published"))
    return parts


def page_ids(where, uid, sort, after=None, before=None, limit=PER_PAGE + 1, offset=0):
    """Subquery (id, key) of one page in the sort's order (reversed when paging back with `before`)."""
    key, _ = sort_key(sort)
    backwards = before is not None
    cursor = before if backwards else after
    selects = []
    for part in _visible_parts(where, uid):
        query = select(Contribution.id.label("id"), key.label("key")).where(part)
        if cursor is not None:
            compare = tuple_(key, Contribution.id).op(">" if backwards else "<")(
                tuple_(*map(literal, cursor))
            )
            query = query.where(compare)
        order = (key.asc(), Contribution.id.asc()) if backwards else (key.desc(), Contribution.id.desc())
        selects.append(query.order_by(*order).limit(limit + offset))
    ids = selects[0].subquery() if len(selects) == 1 else union_all(*selects).subquery()
    order = (ids.c.key.asc(), ids.c.id.asc()) if backwards else (ids.c.key.desc(), ids.c.id.desc())
    return select(ids.c.id, ids.c.key).order_by(*order).limit(limit).offset(offset).subquery()


def count(where, uid, searching=False):
    """(count, estimated): exact up to keyset.COUNT_CAP, else the planner's estimate.

    A search is estimated first: counting its matches through an ordered index would compute the
    text vector of every row read, so only a small estimate is followed by the exact count."""
    everything = select(Contribution.id).where(or_(*_visible_parts(where, uid)))
    if searching:
        estimate = _estimate(everything)
        if estimate > keyset.COUNT_CAP:
            return estimate, True
        return db.session.scalar(select(func.count()).select_from(everything.subquery())), False
    parts = [select(Contribution.id).where(part) for part in _visible_parts(where, uid)]
    matches = parts[0] if len(parts) == 1 else union_all(*parts)
    capped = db.session.scalar(
        select(func.count()).select_from(matches.limit(keyset.COUNT_CAP + 1).subquery())
    )
    if capped <= keyset.COUNT_CAP:
        return capped, False
    return max(capped, _estimate(everything)), True


def _estimate(query):
    """The planner's row estimate for `query` (EXPLAIN, nothing read)."""
    compiled = query.compile(dialect=db.engine.dialect)
    plan = db.session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params)
    return int(plan.scalar()[0]["Plan"]["Plan Rows"])
