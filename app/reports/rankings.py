"""Ranked lists of a report: most supported, most debated, answers, unanswered, the annex, QPV rates.

All built in SQL over the scope table with an explicit LIMIT."""

from sqlalchemy import text

from app.extensions import db
from app.reports.scope import SCOPE_TABLE as RS

AGREE = "(s.agree_count + s.workshop_agree_count)"
DISAGREE = "(s.disagree_count + s.workshop_disagree_count)"
# Controversy index: number of opinions weighted by how evenly they split (smaller side / larger side).
# 100 opinions split 50/50 -> 100; 100 opinions split 90/10 -> 11; unanimous -> 0.
CONTROVERSY = f"round(({AGREE} + {DISAGREE}) * least({AGREE}, {DISAGREE})::numeric / greatest({AGREE}, {DISAGREE}, 1), 1)"

ITEM_COLUMNS = (
    "s.id, s.title, s.theme_slug AS theme, s.outcome, s.qpv_code, cm.name AS commune,"
    " s.agree_count AS agree, s.disagree_count AS disagree, s.comment_count AS comments,"
    " s.workshop_agree_count AS paper_agree, s.workshop_disagree_count AS paper_disagree,"
    " s.source, s.created_at"
)


def _ranked(where, order, limit, extra="", join="", params=None):
    """Top `limit` rows of the scope table by `order` (sorted before joining the labels)."""
    rows = db.session.execute(
        text(
            f"SELECT {ITEM_COLUMNS}{extra} FROM (SELECT * FROM {RS} s WHERE {where}"
            f" ORDER BY {order} LIMIT :limit) s LEFT JOIN communes cm ON cm.insee = s.commune_insee{join}"
            f" ORDER BY {order}"
        ),
        {**(params or {}), "limit": limit},
    ).mappings()
    return [dict(row) for row in rows]


def _items(sql, params=None):
    return [dict(row) for row in db.session.execute(text(sql), params or {}).mappings()]


def _count(where, params=None):
    return db.session.execute(text(f"SELECT count(*) FROM {RS} s WHERE {where}"), params or {}).scalar_one()


def most_supported(limit=10):
    """Published contributions with the most support (online agree/support + paper agree)."""
    where = f"s.status = 'published' AND {AGREE} > 0"
    return _ranked(where, f"{AGREE} DESC, s.id", limit, extra=f", {AGREE} AS support")


def most_debated(limit=10):
    """Published contributions with the highest controversy index (many opinions, evenly split)."""
    where = f"s.status = 'published' AND {AGREE} > 0 AND {DISAGREE} > 0"
    return _ranked(where, f"{CONTROVERSY} DESC, s.id", limit, extra=f", {CONTROVERSY} AS controversy")


def unanswered(days, data_date, limit=20):
    """Published contributions still without an official answer `days` days after publication."""
    where = (
        "s.status = 'published' AND NOT s.answered AND coalesce(s.published_at, s.created_at)"
        " < CAST(:date AS timestamptz) - make_interval(days => :days)"
    )
    params = {"days": days, "date": data_date}
    items = _ranked(
        where,
        f"{AGREE} DESC, coalesce(s.published_at, s.created_at), s.id",
        limit,
        extra=", coalesce(s.published_at, s.created_at) AS since",
        params=params,
    )
    return {"days": days, "count": _count(where, params), "items": items}


def answers(limit=30, excerpt=400):
    """Published contributions with an official answer, most supported first (answer excerpt)."""
    where = "s.status = 'published' AND s.answered"
    items = _ranked(
        where,
        f"{AGREE} DESC, s.id",
        limit,
        extra=", s.answered_at, left(c.official_answer, :excerpt) AS answer,"
        " length(c.official_answer) > :excerpt AS answer_truncated",
        join=" JOIN contributions c ON c.id = s.id",
        params={"excerpt": excerpt},
    )
    return {"count": _count(where), "items": items}


def annex(limit):
    """Published contributions for the annex (by number), at most `limit` rows, and the total."""
    total = _count("s.status = 'published'")
    order = "s.id" if total <= limit else f"{AGREE} + {DISAGREE} DESC, s.id"
    items = _ranked("s.status = 'published'", order, limit)
    if total > limit:
        items.sort(key=lambda item: item["id"])
    return {"total": total, "items": items, "complete": total <= limit}


def qpv_rates(scope, participants_by_qpv, workshops):
    """Per QPV: population, NPNRU status, contributions, participants and rates per 1 000 inhabitants."""
    condition, params = _qpv_condition(scope)
    rows = _items(
        "SELECT q.code, q.name, q.population, q.npnru, q.npnru_site,"
        " (SELECT string_agg(cm.name, ', ' ORDER BY cm.name) FROM qpv_communes qc"
        "  JOIN communes cm ON cm.insee = qc.commune_insee WHERE qc.qpv_code = q.code) AS communes,"
        " coalesce(n.contributions, 0) AS contributions FROM qpv q LEFT JOIN"
        f" (SELECT qpv_code, count(*) AS contributions FROM {RS} WHERE status = 'published' GROUP BY qpv_code) n"
        f" ON n.qpv_code = q.code WHERE {condition} ORDER BY q.code",
        params,
    )
    workshop_people = {}
    for workshop in workshops:
        code = workshop["qpv_code"]
        workshop_people[code] = workshop_people.get(code, 0) + workshop["participants_count"]
    for row in rows:
        online = participants_by_qpv.get(row["code"], 0)
        row["participants_online"] = online
        row["participants_workshops"] = workshop_people.get(row["code"], 0)
        row["participants"] = online + row["participants_workshops"]
        row["contributions_per_1000"] = _rate(row["contributions"], row["population"])
        row["participants_per_1000"] = _rate(row["participants"], row["population"])
    return rows


def _rate(count, population):
    return round(count * 1000 / population, 1) if population else None


def _qpv_condition(scope):
    if scope.kind == "territory":
        return "TRUE", {}
    if scope.kind == "qpv":
        return "q.code = :scope_qpv", {"scope_qpv": scope.qpv_code}
    return (
        "(q.code IN (SELECT qpv_code FROM consultation_qpvs WHERE consultation_id = :scope_consultation)"
        f" OR q.code IN (SELECT DISTINCT qpv_code FROM {RS} WHERE status = 'published'))",
        {"scope_consultation": scope.consultation_id},
    )
