"""The « À relire » queue: published ideas (post-moderation) no moderator has looked at yet."""

from flask_babel import gettext as _

from app.errors import Conflict
from app.moderation.services.audit import contribution_snapshot, record
from app.moderation.services.common import check_moderator, lock_contribution, set_reviewed


def mark_reviewed(moderator, contribution):
    """« Vu, rien à signaler »: the idea leaves the queue as it is; audited. Returns the contribution."""
    check_moderator(moderator, contribution.consultation_id)
    contribution = lock_contribution(contribution.id)
    if contribution.status != "published":
        raise Conflict(_("Seules les idées publiées sont à relire."), code="wrong_status")
    if contribution.reviewed_at is not None:
        raise Conflict(_("Cette idée a déjà été relue."), code="already_reviewed")
    before = contribution_snapshot(contribution)
    set_reviewed(contribution, moderator)
    record(
        moderator,
        "review",
        "contribution",
        contribution.id,
        contribution.consultation_id,
        None,
        before,
        contribution_snapshot(contribution),
    )
    return contribution
