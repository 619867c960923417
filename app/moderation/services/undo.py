"""Undo a moderation decision for a few minutes: the exact previous state comes back, audited."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, text

from app.consultations.models import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.moderation.models import ModerationAction
from app.moderation.services.audit import contribution_snapshot, record
from app.moderation.services.common import check_moderator, lock_contributions, schedule_map_refresh

UNDOABLE = ("approve", "reject", "hide", "unhide", "answer")
# What a decision may change, put back as it was.
RESTORED = (
    "status",
    "moderation_reason",
    "flag_count",
    "outcome",
    "official_answer",
    "published_at",
    "reviewed_at",
    "reviewed_by_id",
    "answered_at",
    "answered_by_id",
)
TIMESTAMPS = ("published_at", "reviewed_at", "answered_at")
# Changed by somebody since the decision: the undo would overwrite their work.
WATCHED = ("status", "moderation_reason", "outcome", "official_answer", "title", "body", "theme_slug")


def undo_delay():
    """How long a decision stays undoable."""
    return timedelta(seconds=int(current_app.config.get("MODERATION_UNDO_SECONDS", 300)))


def is_undoable(action, created_at, now=None):
    """True when an audit entry (its action name and time) may still be undone."""
    return action in UNDOABLE and (now or utcnow()) - created_at <= undo_delay()


def undo(moderator, action_ids):
    """Undo decisions (one, or the entries of a bulk action), all or nothing; returns the contributions."""
    ids = sorted({int(i) for i in action_ids})
    if not ids:
        raise Invalid(_("Aucune décision à annuler."), fields={"action_ids": [_("Obligatoire.")]})
    if len(ids) > 500:
        raise Invalid(fields={"action_ids": [_("500 décisions au maximum.")]})
    entries = db.session.scalars(select(ModerationAction).where(ModerationAction.id.in_(ids))).all()
    if len(entries) != len(ids):
        raise NotFound(_("Cette décision n'existe pas."))
    if any(e.target_type != "contribution" or e.action not in UNDOABLE for e in entries):
        raise Conflict(_("Cette action ne s'annule pas."), code="not_undoable")
    rows = lock_contributions([e.target_id for e in entries])
    if len(rows) != len({e.target_id for e in entries}):
        raise NotFound(_("Cette contribution n'existe plus."))
    _check_all(moderator, entries, rows)
    refreshed = set()
    for entry in entries:
        contribution = rows[entry.target_id]
        _restore(moderator, entry, contribution)
        if entry.before["status"] != entry.after["status"] and contribution.consultation_id not in refreshed:
            schedule_map_refresh(contribution.consultation_id)
            refreshed.add(contribution.consultation_id)
    return [rows[e.target_id] for e in entries]


def _check_all(moderator, entries, rows):
    now = utcnow()
    later = _later_actions(entries)
    for entry in entries:
        contribution = rows[entry.target_id]
        check_moderator(moderator, contribution.consultation_id)
        if not is_undoable(entry.action, entry.created_at, now):
            minutes = max(1, round(undo_delay().total_seconds() / 60))
            raise Conflict(
                _(
                    "Trop tard : une décision ne s'annule que dans les %(minutes)d minutes qui la suivent.",
                    minutes=minutes,
                ),
                code="undo_expired",
            )
        current = contribution_snapshot(contribution)
        if entry.id in later or any(
            current.get(k) != entry.after.get(k) for k in WATCHED if k in entry.after
        ):
            raise Conflict(
                _(
                    "Impossible d'annuler : la contribution n° %(id)d a été modifiée depuis cette décision.",
                    id=contribution.id,
                ),
                code="changed_since",
            )


def _later_actions(entries):
    """Ids of the entries followed by another action on the same contribution (someone acted since)."""
    sql = (
        "SELECT e.id FROM moderation_actions e WHERE e.id = ANY(CAST(:ids AS bigint[])) AND EXISTS ("
        " SELECT 1 FROM moderation_actions l WHERE l.target_type = 'contribution'"
        " AND l.target_id = e.target_id AND l.id > e.id AND l.id <> ALL(CAST(:ids AS bigint[])))"
    )
    return set(db.session.execute(text(sql), {"ids": [e.id for e in entries]}).scalars())


def _restore(moderator, entry, contribution):
    before = contribution_snapshot(contribution)
    for name in RESTORED:
        if name in entry.before:
            value = entry.before[name]
            if name in TIMESTAMPS and isinstance(value, str):
                value = datetime.fromisoformat(value)
            setattr(contribution, name, value)
    reopened = (entry.after or {}).get("resolved_flags") or []
    if reopened:  # the flags the decision closed are open again (flag_count above counts them)
        db.session.execute(
            text("UPDATE flags SET resolved_at = NULL WHERE id = ANY(CAST(:ids AS integer[]))"),
            {"ids": reopened},
        )
    db.session.flush()
    record(
        moderator,
        "undo",
        "contribution",
        contribution.id,
        contribution.consultation_id,
        _("Annulation de la décision n° %(id)d", id=entry.id),
        before,
        {**contribution_snapshot(contribution), "undone_action_id": entry.id},
    )
