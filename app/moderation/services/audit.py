"""The append-only audit log: one ModerationAction row per moderation action."""

from datetime import datetime

from flask import has_request_context, request

from app.contributions.models import COUNTERS
from app.extensions import db
from app.moderation.models import ModerationAction

RECORDED = "cartecommune.audit_recorded"


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def contribution_snapshot(contribution):
    """The moderated fields of a contribution, JSON-ready (before/after of an action)."""
    names = (
        "status",
        "title",
        "body",
        "theme_slug",
        "outcome",
        "official_answer",
        "moderation_reason",
        "merged_into_id",
        *COUNTERS,
        # What an undo puts back too (and the « À relire » queue).
        "published_at",
        "reviewed_at",
        "reviewed_by_id",
        "answered_at",
        "answered_by_id",
    )
    return {name: _json_value(getattr(contribution, name)) for name in names}


def comment_snapshot(comment):
    """The moderated fields of a comment, JSON-ready."""
    names = ("status", "flag_count", "moderation_reason", "contribution_id")
    return {name: getattr(comment, name) for name in names}


def user_snapshot(user):
    """Role and sanctions of a user, JSON-ready."""
    names = ("role", "suspended_until", "banned_at", "suspension_reason")
    return {name: _json_value(getattr(user, name)) for name in names}


def record(actor, action, target_type, target_id, consultation_id=None, reason=None, before=None, after=None):
    """Append one audit entry in the current transaction (flushes) and return it."""
    entry = ModerationAction(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        consultation_id=consultation_id,
        reason=reason,
        before=before,
        after=after,
    )
    db.session.add(entry)
    db.session.flush()
    if has_request_context():  # the page offers to undo the decisions it has just made
        request.environ.setdefault(RECORDED, []).append((entry.id, entry.action))
    return entry


def recorded_in_request():
    """[(entry id, action)] of the audit entries this request recorded, in order."""
    return list(request.environ.get(RECORDED, [])) if has_request_context() else []
