"""The official answer and outcome of a contribution, notified to its followers (authors and voters too)."""

from flask_babel import gettext as _

from app.consultations.models import utcnow
from app.contributions.models import OUTCOME_LABELS
from app.errors import Conflict, Invalid
from app.moderation.services.audit import contribution_snapshot, record
from app.moderation.services.common import (
    check_moderator,
    lock_contribution,
    schedule_map_refresh,
    set_reviewed,
)

ANSWER_MAX = 5000


def set_official_answer(moderator, contribution, outcome, answer):
    """Publish the project team's answer and outcome; the author and voters are told by e-mail."""
    check_moderator(moderator, contribution.consultation_id)
    answer = (answer or "").strip()
    fields = {}
    if outcome not in OUTCOME_LABELS:
        fields["outcome"] = [
            _(
                "Choisissez une suite : %(outcomes)s.",
                outcomes=", ".join(str(v) for v in OUTCOME_LABELS.values()),
            )
        ]
    if not answer:
        fields["official_answer"] = [_("Écrivez la réponse publique.")]
    elif len(answer) > ANSWER_MAX:
        fields["official_answer"] = [_("%(answer_max)s caractères au maximum.", answer_max=ANSWER_MAX)]
    if fields:
        raise Invalid(fields=fields)
    contribution = lock_contribution(contribution.id)
    if contribution.status != "published":
        raise Conflict(_("Publiez la contribution avant de lui répondre."), code="wrong_status")
    before = contribution_snapshot(contribution)
    if before["outcome"] == outcome and before["official_answer"] == answer:
        raise Conflict(_("Cette réponse est déjà publiée."), code="unchanged")
    contribution.outcome = outcome
    contribution.official_answer = answer
    contribution.answered_at = utcnow()
    contribution.answered_by_id = moderator.id
    set_reviewed(contribution, moderator)
    entry = record(
        moderator,
        "answer",
        "contribution",
        contribution.id,
        contribution.consultation_id,
        None,
        before,
        contribution_snapshot(contribution),
    )
    schedule_map_refresh(contribution.consultation_id)
    from app.notifications.services import notify_answer

    notify_answer(contribution, entry.id, actor=moderator)
    return contribution
