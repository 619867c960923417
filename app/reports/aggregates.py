"""Set-based aggregates over the report's scope table (see scope.build_scope_table).

Every function runs one or two SQL statements whatever the number of contributions: the counts
are computed by PostgreSQL, Python only reshapes the few rows that come back."""

from sqlalchemy import text

from app.extensions import db
from app.reports.scope import SCOPE_TABLE as RS

WEEK = "to_char({col} AT TIME ZONE 'Europe/Paris', 'IYYY-\"W\"IW')"


def _rows(sql, params=None):
    return db.session.execute(text(sql), params or {}).mappings().all()


def breakdowns():
    """Counts by status (every contribution) and by theme, source, outcome, week (published ones)."""
    week = WEEK.format(col="created_at")
    rows = _rows(
        f"SELECT status, theme_slug, source, outcome, {week} AS week,"
        " GROUPING(status) AS g_status, GROUPING(theme_slug) AS g_theme, GROUPING(source) AS g_source,"
        f" GROUPING(outcome) AS g_outcome, GROUPING({week}) AS g_week,"
        " count(*) AS total, count(*) FILTER (WHERE status = 'published') AS published"
        f" FROM {RS} GROUP BY GROUPING SETS ((status), (theme_slug), (source), (outcome), ({week}), ())"
    )
    result = {"by_status": {}, "by_theme": {}, "by_source": {}, "by_outcome": {}, "by_week": {}}
    dims = (("g_status", "status"), ("g_theme", "theme_slug"), ("g_source", "source"))
    dims += (("g_outcome", "outcome"), ("g_week", "week"))
    for row in rows:
        grouped = [name for flag, name in dims if row[flag] == 0]
        if not grouped:
            result["received"], result["contributions"] = row["total"], row["published"]
            continue
        name = grouped[0]
        key, count = row[name], (row["total"] if name == "status" else row["published"])
        if count and key is not None:
            target = {"status": "by_status", "theme_slug": "by_theme", "source": "by_source"}
            result[target.get(name, f"by_{name}")][key] = count
    result.setdefault("received", 0)
    result.setdefault("contributions", 0)
    return result


HOUR = "date_bin('1 hour', v.created_at, TIMESTAMPTZ '2000-01-03 00:00+00')"
VOTES_AND_PARTICIPANTS = (
    "WITH g AS MATERIALIZED (SELECT v.user_id, c.qpv_code, c.consultation_id, v.value,"
    f" {HOUR} AS hour, GROUPING(v.user_id, c.qpv_code) AS g_user, GROUPING({HOUR}) AS g_hour,"
    " count(*) FILTER (WHERE c.status = 'published') AS n"
    " FROM votes v JOIN contributions c ON c.id = v.contribution_id WHERE {condition}"
    f" GROUP BY GROUPING SETS ((v.user_id, c.qpv_code), ({HOUR}), (c.consultation_id, v.value))),"
    " p AS (SELECT user_id, qpv_code FROM g WHERE g_user = 0"
    f"  UNION SELECT author_id, qpv_code FROM {RS} WHERE author_id IS NOT NULL"
    f"  UNION SELECT cm.author_id, s.qpv_code FROM comments cm JOIN {RS} s ON s.id = cm.contribution_id"
    "   WHERE cm.author_id IS NOT NULL)"
    " SELECT 'week' AS kind, to_char(hour AT TIME ZONE 'Europe/Paris', 'IYYY-\"W\"IW') AS key,"
    "  sum(n)::bigint AS n FROM g WHERE g_hour = 0 GROUP BY key HAVING sum(n) > 0"
    " UNION ALL SELECT CASE WHEN g.value = -1 THEN 'disagree' WHEN co.voting_mode = 'support'"
    "  THEN 'support' ELSE 'agree' END, NULL, sum(g.n)::bigint FROM g"
    "  JOIN consultations co ON co.id = g.consultation_id WHERE g.g_user <> 0 AND g.g_hour = 1 GROUP BY 1"
    " UNION ALL SELECT 'qpv', qpv_code, count(*) FROM p WHERE qpv_code IS NOT NULL GROUP BY qpv_code"
    " UNION ALL SELECT 'participants', NULL, count(DISTINCT user_id) FROM p"
)


def votes_and_participants(scope):
    """One pass over the scope's votes: totals by kind, votes per week, distinct participants.

    Votes count on published contributions; participants are the distinct accounts that posted,
    voted or commented on any contribution of the scope (total and per QPV). The join reads the
    base tables (parallel-safe) and groups by hour, converted to Paris ISO weeks afterwards."""
    condition, params = scope.contribution_filter("c")
    rows = db.session.execute(text(VOTES_AND_PARTICIPANTS.replace("{condition}", condition)), params).all()
    detail, by_week, per_qpv, participants = {"agree": 0, "disagree": 0, "support": 0}, {}, {}, 0
    for kind, key, count in rows:
        if kind == "week":
            by_week[key] = int(count)
        elif kind == "qpv":
            per_qpv[key] = int(count)
        elif kind == "participants":
            participants = int(count)
        else:
            detail[kind] += int(count)
    votes = {"votes": sum(detail.values()), "votes_detail": detail, "votes_by_week": by_week}
    return votes, participants, per_qpv


def comments_and_paper():
    """Published comments on published contributions, and paper counts from workshops (kept apart)."""
    row = (
        db.session.execute(
            text(
                "SELECT"
                f" (SELECT count(*) FROM comments cm JOIN {RS} s ON s.id = cm.contribution_id"
                "   WHERE cm.status = 'published' AND s.status = 'published') AS comments,"
                " (SELECT coalesce(sum(workshop_agree_count), 0)"
                f"   FROM {RS} WHERE status = 'published') AS paper_agree,"
                " (SELECT coalesce(sum(workshop_disagree_count), 0)"
                f"   FROM {RS} WHERE status = 'published') AS paper_disagree,"
                " (SELECT coalesce(sum(t.comments), 0) FROM workshop_tallies t"
                f"   JOIN {RS} s ON s.id = t.contribution_id AND s.status = 'published') AS paper_comments"
            )
        )
        .mappings()
        .one()
    )
    return {
        "comments": row["comments"],
        "paper_votes": {"agree": int(row["paper_agree"]), "disagree": int(row["paper_disagree"])},
        "paper_comments": int(row["paper_comments"]),
    }


def workshops(scope):
    """The scope's workshops (date, place, participants, held yet?) with the QPV each one is counted in."""
    condition, params = scope.consultation_filter("co")
    rows = _rows(
        "SELECT w.id, w.title, w.starts_at, w.place_name, w.participants_count, co.slug AS consultation,"
        " w.starts_at <= now() AS held,"
        f" {_WORKSHOP_QPV} AS qpv_code"
        " FROM workshops w JOIN consultations co ON co.id = w.consultation_id"
        f" WHERE {condition} ORDER BY w.starts_at, w.id",
        params,
    )
    items = [dict(row) for row in rows]
    if scope.kind == "qpv":
        items = [item for item in items if item["qpv_code"] == scope.qpv_code]
    return items


# A workshop counts for the consultation QPV whose communes contain its place, else the NPNRU QPV
# of its consultation, else the consultation's first QPV: each participant is counted once.
_WORKSHOP_QPV = (
    "coalesce("
    " (SELECT cq.qpv_code FROM consultation_qpvs cq JOIN qpv_communes qc ON qc.qpv_code = cq.qpv_code"
    "  JOIN communes cm ON cm.insee = qc.commune_insee WHERE cq.consultation_id = co.id"
    "  AND w.geom IS NOT NULL AND ST_Intersects(cm.geom, w.geom) ORDER BY cq.qpv_code LIMIT 1),"
    " co.npnru_qpv_code,"
    " (SELECT min(cq.qpv_code) FROM consultation_qpvs cq WHERE cq.consultation_id = co.id))"
)


def by_consultation():
    """Published contributions per consultation of the scope (slug, title, count)."""
    rows = _rows(
        "SELECT co.slug, co.title, count(*) FILTER (WHERE s.status = 'published') AS contributions"
        f" FROM {RS} s JOIN consultations co ON co.id = s.consultation_id"
        " GROUP BY co.id ORDER BY contributions DESC, co.slug"
    )
    return [dict(row) for row in rows]
