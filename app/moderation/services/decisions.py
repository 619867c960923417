"""Decisions on contributions and comments: approve, reject, hide, unhide (one audit entry each)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.consultations.models import utcnow
from app.consultations.staff import check_somewhere
from app.contributions.models import STATUS_LABELS, Comment, Contribution
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.moderation.models import Flag
from app.moderation.services.audit import comment_snapshot, contribution_snapshot, record
from app.moderation.services.common import (
    check_moderator,
    clean_reason,
    enqueue_notification,
    lock_contribution,
    lock_contributions,
    schedule_map_refresh,
    set_reviewed,
)

# action -> (statuses it applies to, resulting status)
TRANSITIONS = {
    "approve": ({"pending", "published", "hidden", "rejected"}, "published"),
    "reject": ({"pending", "published", "hidden"}, "rejected"),
    "hide": ({"pending", "published"}, "hidden"),
    "unhide": ({"hidden"}, "published"),
}
ACTIONS = tuple(TRANSITIONS)
REASON_REQUIRED = {
    "reject": _l("Choisissez ou écrivez un motif de refus."),
    "hide": _l("Indiquez pourquoi masquer."),
}


def approve(moderator, contribution, reason=None):
    """Publish a contribution (pending, hidden or rejected) or keep a flagged one; flags are resolved."""
    return decide(moderator, contribution, "approve", reason)


def reject(moderator, contribution, reason):
    """Reject a contribution with a reason shown to its author."""
    return decide(moderator, contribution, "reject", reason)


def hide(moderator, contribution, reason):
    """Hide a contribution from the public with a reason shown to its author."""
    return decide(moderator, contribution, "hide", reason)


def unhide(moderator, contribution, reason=None):
    """Publish a hidden contribution again."""
    return decide(moderator, contribution, "unhide", reason)


def decide(moderator, contribution, action, reason=None):
    """Apply one decision (see TRANSITIONS) to a contribution; returns the contribution."""
    check_moderator(moderator, contribution.consultation_id)
    if action not in TRANSITIONS:
        raise Invalid(_("Action inconnue."), fields={"action": [_("approve, reject, hide ou unhide.")]})
    reason = clean_reason(reason, action in REASON_REQUIRED, REASON_REQUIRED.get(action, ""))
    contribution = lock_contribution(contribution.id)
    _apply(moderator, contribution, action, reason)
    return contribution


def _apply(moderator, contribution, action, reason):
    allowed, new_status = TRANSITIONS[action]
    if contribution.status not in allowed:
        label = STATUS_LABELS[contribution.status].lower()
        raise Conflict(
            _("Impossible : cette contribution est « %(label)s ».", label=label), code="wrong_status"
        )
    before = contribution_snapshot(contribution)
    contribution.status = new_status
    if new_status == "published":
        contribution.published_at = contribution.published_at or utcnow()
        contribution.moderation_reason = None
    else:
        contribution.moderation_reason = reason
    contribution.flag_count = 0
    set_reviewed(contribution, moderator)
    resolved = _resolve_flags(Flag.contribution_id == contribution.id)
    db.session.flush()
    entry = record(
        moderator,
        action,
        "contribution",
        contribution.id,
        contribution.consultation_id,
        reason,
        before,
        {**contribution_snapshot(contribution), "resolved_flags": resolved},
    )
    if before["status"] != new_status:
        schedule_map_refresh(contribution.consultation_id)
        if new_status == "published" and before["status"] == "pending":
            from app.notifications.services import notify_new_idea

            notify_new_idea(contribution)
        if contribution.author_id is not None:
            enqueue_notification("notify_decision", entry.id)
    return entry


def bulk_decide(moderator, contribution_ids, action, reason=None):
    """Apply one decision to a selection; returns {"done": [ids], "skipped": [ids]} (wrong status).

    Nothing is written when one of them belongs to a consultation the moderator does not moderate."""
    check_somewhere(moderator, "moderate")
    if action not in TRANSITIONS:
        raise Invalid(_("Action inconnue."), fields={"action": [_("approve, reject, hide ou unhide.")]})
    ids = sorted({int(i) for i in contribution_ids})
    if not ids:
        raise Invalid(_("Sélectionnez au moins une contribution."), fields={"ids": [_("Sélection vide.")]})
    if len(ids) > 500:
        raise Invalid(fields={"ids": [_("500 contributions au maximum par action groupée.")]})
    reason = clean_reason(reason, action in REASON_REQUIRED, REASON_REQUIRED.get(action, ""))
    rows = lock_contributions(ids)
    for contribution in rows.values():
        check_moderator(moderator, contribution.consultation_id)
    done, skipped = [], [i for i in ids if i not in rows]
    for contribution in rows.values():
        if contribution.status in TRANSITIONS[action][0]:
            _apply(moderator, contribution, action, reason)
            done.append(contribution.id)
        else:
            skipped.append(contribution.id)
    return {"done": done, "skipped": sorted(skipped)}


def _resolve_flags(condition):
    """Resolve the open flags matching `condition`; returns their ids (an undo opens them again)."""
    statement = (
        update(Flag)
        .where(condition, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow())
        .returning(Flag.id)
    )
    return sorted(db.session.execute(statement).scalars())


# --- comments ---------------------------------------------------------------------------------------
COMMENT_TRANSITIONS = {
    "approve": ({"pending", "published", "hidden"}, "published"),
    "hide": ({"pending", "published"}, "hidden"),
    "unhide": ({"hidden"}, "published"),
}
COMMENT_ACTIONS = tuple(COMMENT_TRANSITIONS)


def hide_comment(moderator, comment, reason):
    """Hide a comment (reason required); the contribution's comment counter is recomputed."""
    return decide_comment(moderator, comment, "hide", reason)


def unhide_comment(moderator, comment, reason=None):
    """Publish a hidden comment again."""
    return decide_comment(moderator, comment, "unhide", reason)


def approve_comment(moderator, comment, reason=None):
    """Publish a pending comment or keep a flagged one (its flags are resolved)."""
    return decide_comment(moderator, comment, "approve", reason)


def decide_comment(moderator, comment, action, reason=None):
    """Apply one decision to a comment; returns the comment."""
    check_somewhere(moderator, "moderate")
    if action not in COMMENT_TRANSITIONS:
        raise Invalid(_("Action inconnue."), fields={"action": [_("approve, hide ou unhide.")]})
    reason = clean_reason(reason, action == "hide", REASON_REQUIRED["hide"])
    comment = db.session.scalar(
        select(Comment)
        .where(Comment.id == comment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if comment is None:
        raise NotFound(_("Ce commentaire n'existe pas."))
    consultation_id = db.session.scalar(
        select(Contribution.consultation_id).where(Contribution.id == comment.contribution_id)
    )
    check_moderator(moderator, consultation_id)
    allowed, new_status = COMMENT_TRANSITIONS[action]
    if comment.status not in allowed:
        raise Conflict(_("Impossible dans l'état actuel du commentaire."), code="wrong_status")
    before = comment_snapshot(comment)
    comment.status = new_status
    comment.moderation_reason = None if new_status == "published" else reason
    comment.flag_count = 0
    _resolve_flags(Flag.comment_id == comment.id)
    db.session.flush()
    recount_comments([comment.contribution_id])
    entry = record(
        moderator, action, "comment", comment.id, consultation_id, reason, before, comment_snapshot(comment)
    )
    if before["status"] != new_status and comment.author_id is not None and action == "hide":
        enqueue_notification("notify_comment_decision", entry.id)
    return comment


def recount_comments(contribution_ids):
    """Set comment_count from the rows: the published comments of each contribution."""
    published = (
        select(func.count())
        .where(Comment.contribution_id == Contribution.id, Comment.status == "published")
        .scalar_subquery()
    )
    db.session.execute(
        update(Contribution)
        .where(Contribution.id.in_(list(contribution_ids)))
        .values(comment_count=published)
        .execution_options(synchronize_session=False)
    )
    expire_counters(contribution_ids)


def expire_counters(contribution_ids):
    """Forget the counters of loaded contributions after an UPDATE done in SQL."""
    wanted = set(contribution_ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Contribution) and obj.id in wanted:
            db.session.expire(obj)
