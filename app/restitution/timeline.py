"""An idea's story: déposée → publiée → étudiée → retenue / non retenue, from the audit log."""

from flask_babel import gettext as _
from sqlalchemy import text

from app.contributions.models import OUTCOME_LABELS
from app.extensions import db

FINAL = {"retenue", "integree", "deja_prevue", "non_retenue"}
ACTIONS = text(
    "SELECT action, created_at, after->>'outcome' AS outcome, after->>'official_answer' AS answer"
    " FROM moderation_actions WHERE target_type = 'contribution' AND target_id = :id"
    " AND action IN ('approve', 'answer') ORDER BY created_at, id LIMIT 50"
)


def _phase(consultation, when):
    if when is None:
        return None
    if when < consultation.opens_at:
        return _("avant l'ouverture de la concertation")
    if when < consultation.closes_at:
        return _("pendant la concertation")
    return _("après la clôture de la concertation")


def _step(key, label, when, consultation, answer=None, outcome=None):
    return {
        "key": key,
        "label": label,
        "at": when,
        "phase": _phase(consultation, when),
        "answer": answer,
        "outcome": outcome,
        "done": True,
    }


def idea_timeline(item, consultation):
    """The steps of a published idea (dicts: key, label, at, phase, answer, done), oldest first."""
    if item.get("status") != "published":
        return []
    steps = [_step("deposee", _("Déposée"), item["created_at"], consultation)]
    steps.append(_step("publiee", _("Publiée"), item.get("published_at") or item["created_at"], consultation))
    answers = [
        row for row in db.session.execute(ACTIONS, {"id": item["id"]}).mappings() if row["action"] == "answer"
    ]
    if not answers and item.get("outcome"):  # answered before the audit log existed
        answers = [
            {
                "outcome": item["outcome"],
                "answer": item.get("official_answer"),
                "created_at": item.get("answered_at"),
            }
        ]
    for row in answers:
        final = row["outcome"] in FINAL
        label = OUTCOME_LABELS.get(row["outcome"], _("Étudiée")) if final else _("Étudiée : à l'étude")
        steps.append(
            _step(
                "decision" if final else "etudiee",
                label,
                row["created_at"],
                consultation,
                row["answer"],
                row["outcome"],
            )
        )
    if not any(step["key"] == "etudiee" for step in steps) and not any(s["key"] == "decision" for s in steps):
        steps.append({"key": "etudiee", "label": _("Étudiée par l'équipe projet"), "done": False})
    if steps[-1]["key"] != "decision":
        steps.append({"key": "decision", "label": _("Retenue ou non retenue"), "done": False})
    return steps
