"""Merging a duplicate into another contribution: votes (deduplicated), comments, photos, tallies."""

from flask_babel import gettext as _
from sqlalchemy import text

from app.errors import Conflict, Invalid
from app.extensions import db
from app.moderation.services.audit import contribution_snapshot, record
from app.moderation.services.common import (
    check_moderator,
    clean_reason,
    enqueue_notification,
    lock_contributions,
    schedule_map_refresh,
    set_reviewed,
)
from app.moderation.services.decisions import expire_counters

MERGEABLE = {"pending", "published", "hidden"}

# A merge never widens visibility: comments and photos follow only a source that was public (published);
# those of a pending, hidden or rejected source stay with it, where only its author and staff see them.
MOVE_PUBLIC_CONTENT = (
    "UPDATE comments SET contribution_id = :target WHERE contribution_id = :source",
    "UPDATE photos SET contribution_id = :target,"
    " position = position + 1 + (SELECT coalesce(max(position), -1) FROM photos WHERE contribution_id = :target)"
    " WHERE contribution_id = :source",
)

# Each statement works on rows only: a person who voted on both keeps the vote on the target.
MERGE_STATEMENTS = (
    "DELETE FROM votes s USING votes t"
    " WHERE s.contribution_id = :source AND t.contribution_id = :target AND t.user_id = s.user_id",
    "UPDATE votes SET contribution_id = :target WHERE contribution_id = :source",
    # Paper tallies of the same workshop add up; the others move.
    "UPDATE workshop_tallies t SET agree = t.agree + s.agree, disagree = t.disagree + s.disagree,"
    " comments = t.comments + s.comments FROM workshop_tallies s"
    " WHERE t.contribution_id = :target AND s.contribution_id = :source AND s.workshop_id = t.workshop_id",
    "DELETE FROM workshop_tallies s USING workshop_tallies t"
    " WHERE s.contribution_id = :source AND t.contribution_id = :target AND t.workshop_id = s.workshop_id",
    "UPDATE workshop_tallies SET contribution_id = :target WHERE contribution_id = :source",
    "UPDATE flags SET resolved_at = now() WHERE contribution_id = :source AND resolved_at IS NULL",
    # Earlier merges into the source now point at the final target (no chains to follow).
    "UPDATE contributions SET merged_into_id = :target WHERE merged_into_id = :source",
    "UPDATE contributions SET"
    " workshop_agree_count = workshop_agree_count + (SELECT workshop_agree_count FROM contributions"
    "  WHERE id = :source),"
    " workshop_disagree_count = workshop_disagree_count + (SELECT workshop_disagree_count FROM contributions"
    "  WHERE id = :source)"
    " WHERE id = :target",
    "UPDATE contributions SET status = 'merged', merged_into_id = :target, moderation_reason = :reason,"
    " status_before_merge = status,"
    " flag_count = 0, workshop_agree_count = 0, workshop_disagree_count = 0, updated_at = now()"
    " WHERE id = :source",
    # Counters from the rows, for both contributions.
    "UPDATE contributions c SET"
    " agree_count = (SELECT count(*) FROM votes v WHERE v.contribution_id = c.id AND v.value = 1),"
    " disagree_count = (SELECT count(*) FROM votes v WHERE v.contribution_id = c.id AND v.value = -1),"
    " comment_count = (SELECT count(*) FROM comments m WHERE m.contribution_id = c.id"
    "  AND m.status = 'published')"
    " WHERE c.id IN (:source, :target)",
)


def merge(moderator, source, target, reason=None):
    """Merge `source` into `target` (same consultation); `source` becomes « merged ». Returns target."""
    check_moderator(moderator, source.consultation_id)
    check_moderator(moderator, target.consultation_id)
    reason = clean_reason(reason) or f"Fusionnée avec la contribution n° {target.id}."
    if source.id == target.id:
        raise Invalid(
            _("Une contribution ne peut pas être fusionnée avec elle-même."),
            fields={"into": [_("Même contribution.")]},
        )
    rows = lock_contributions([source.id, target.id])
    source, target = rows[source.id], rows[target.id]
    _check_mergeable(source, target)
    before = {"source": contribution_snapshot(source), "target": contribution_snapshot(target)}
    params = {"source": source.id, "target": target.id, "reason": reason}
    public = source.status == "published"
    for statement in (*MOVE_PUBLIC_CONTENT, *MERGE_STATEMENTS) if public else MERGE_STATEMENTS:
        db.session.execute(text(statement), params)
    expire_counters([source.id, target.id])
    db.session.refresh(source)
    db.session.refresh(target)
    set_reviewed(source, moderator)
    after = {"source": contribution_snapshot(source), "target": contribution_snapshot(target)}
    entry = record(
        moderator, "merge", "contribution", source.id, source.consultation_id, reason, before, after
    )
    schedule_map_refresh(source.consultation_id)
    if source.author_id is not None:
        enqueue_notification("notify_decision", entry.id)
    return target


def _check_mergeable(source, target):
    if source.consultation_id != target.consultation_id:
        raise Invalid(
            _("Les deux contributions doivent appartenir à la même concertation."),
            fields={"into": [_("Autre concertation.")]},
        )
    if source.status not in MERGEABLE:
        raise Conflict(_("Cette contribution ne peut plus être fusionnée (déjà fusionnée ou refusée)."))
    if target.status not in MERGEABLE:
        raise Conflict(
            _("La contribution de destination est fusionnée ou refusée : choisissez-en une autre.")
        )
