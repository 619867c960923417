"""The restitution's figures, computed in SQL for one consultation when the team publishes it."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from app.extensions import db

# Outcome groups shown to residents (the moderation's five outcomes, grouped), in display order.
GROUPS = {
    "retenue": (_l("Retenue"), ("retenue", "integree", "deja_prevue"), "#1b7a3a"),
    "a_l_etude": (_l("À l'étude"), ("a_l_etude",), "#b35c00"),
    "non_retenue": (_l("Non retenue"), ("non_retenue",), "#8a1c1c"),
    "sans_reponse": (_l("En attente de réponse"), (), "#5b6470"),
}
GROUP_OF = {outcome: group for group, (_label, outcomes, _c) in GROUPS.items() for outcome in outcomes}
GROUP_SQL = (
    "CASE WHEN outcome IN ('retenue', 'integree', 'deja_prevue') THEN 'retenue'"
    " WHEN outcome = 'a_l_etude' THEN 'a_l_etude' WHEN outcome = 'non_retenue' THEN 'non_retenue'"
    " ELSE 'sans_reponse' END"
)
# Ideas set aside by the moderation as off-topic: counted, never shown.
OFF_TOPIC = "status IN ('rejected', 'hidden') AND moderation_reason ILIKE 'hors sujet%'"

PEOPLE = """
WITH c AS (SELECT id, author_id, participant_id, qpv_code FROM contributions
            WHERE consultation_id = :cid AND status = 'published'),
people AS (
  SELECT qpv_code, 'u' || author_id AS who FROM c WHERE author_id IS NOT NULL
  UNION SELECT qpv_code, 'p' || participant_id FROM c WHERE participant_id IS NOT NULL
  UNION SELECT c.qpv_code, 'u' || v.user_id FROM votes v JOIN c ON c.id = v.contribution_id
  UNION SELECT c.qpv_code, 'u' || m.author_id FROM comments m JOIN c ON c.id = m.contribution_id
         WHERE m.status = 'published' AND m.author_id IS NOT NULL
)
SELECT qpv_code, GROUPING(qpv_code) AS total_row, count(DISTINCT who) AS n
  FROM people GROUP BY GROUPING SETS ((qpv_code), ())
"""
COUNTS = f"""
SELECT count(*) FILTER (WHERE status = 'published') AS ideas,
       coalesce(sum(agree_count + disagree_count) FILTER (WHERE status = 'published'), 0) AS votes,
       coalesce(sum(workshop_agree_count + workshop_disagree_count)
                FILTER (WHERE status = 'published'), 0) AS paper_votes,
       count(*) FILTER (WHERE {OFF_TOPIC}) AS off_topic,
       count(*) FILTER (WHERE status = 'published' AND outcome IS NOT NULL) AS answered
  FROM contributions WHERE consultation_id = :cid
"""
BY_GROUP = f"""
SELECT {GROUP_SQL} AS grp, count(*) AS n FROM contributions
 WHERE consultation_id = :cid AND status = 'published' GROUP BY 1
"""
RANKED = """
SELECT id, title, outcome, agree_count, disagree_count, comment_count FROM contributions
 WHERE consultation_id = :cid AND status = 'published' ORDER BY {order}, id LIMIT :limit
"""
QPVS = """
SELECT q.code, q.name, q.population FROM consultation_qpvs cq JOIN qpv q ON q.code = cq.qpv_code
 WHERE cq.consultation_id = :cid ORDER BY q.name
"""


def _rows(sql, cid, **params):
    return [dict(row) for row in db.session.execute(text(sql), {"cid": cid, **params}).mappings()]


def compute(consultation_id, top=5):
    """Participants, ideas, votes, participation per 1 000 inhabitants by QPV, rankings (JSON-ready)."""
    people = _rows(PEOPLE, consultation_id)
    per_qpv = {row["qpv_code"]: row["n"] for row in people if not row["total_row"]}
    counts = _rows(COUNTS, consultation_id)[0]
    figures = {
        "participants": next((row["n"] for row in people if row["total_row"]), 0),
        **{key: int(value) for key, value in counts.items()},
        "by_group": {row["grp"]: row["n"] for row in _rows(BY_GROUP, consultation_id)},
        "qpv": [_rate(row, per_qpv.get(row["code"], 0)) for row in _rows(QPVS, consultation_id)],
        "most_supported": _rows(RANKED.format(order="agree_count DESC"), consultation_id, limit=top),
        "most_debated": _rows(
            RANKED.format(order="comment_count DESC, (agree_count + disagree_count) DESC"),
            consultation_id,
            limit=top,
        ),
    }
    return figures


def _rate(qpv, participants):
    population = qpv["population"] or 0
    rate = round(1000 * participants / population, 1) if population else None
    return {**qpv, "participants": participants, "per_1000": rate}
