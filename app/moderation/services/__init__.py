"""Moderation use cases (writes): each flushes, writes its audit entry, never commits."""

from app.moderation.services.answers import set_official_answer
from app.moderation.services.common import compose_reason
from app.moderation.services.decisions import (
    ACTIONS,
    COMMENT_ACTIONS,
    approve,
    approve_comment,
    bulk_decide,
    decide,
    decide_comment,
    hide,
    hide_comment,
    recount_comments,
    reject,
    unhide,
    unhide_comment,
)
from app.moderation.services.edits import edit_contribution, point
from app.moderation.services.flags import FLAG_REASONS, flag_comment, flag_contribution, get_flag_target
from app.moderation.services.merges import merge
from app.moderation.services.review import mark_reviewed
from app.moderation.services.undo import UNDOABLE, is_undoable, undo, undo_delay
from app.moderation.services.users import (
    GRANTABLE_ROLES,
    ban_user,
    create_reject_reason,
    lift_sanction,
    set_role,
    suspend_user,
    update_reject_reason,
)

__all__ = [
    "UNDOABLE",
    "is_undoable",
    "undo",
    "undo_delay",
    "ACTIONS",
    "COMMENT_ACTIONS",
    "FLAG_REASONS",
    "GRANTABLE_ROLES",
    "approve",
    "approve_comment",
    "ban_user",
    "bulk_decide",
    "compose_reason",
    "create_reject_reason",
    "decide",
    "decide_comment",
    "edit_contribution",
    "flag_comment",
    "flag_contribution",
    "get_flag_target",
    "hide",
    "hide_comment",
    "lift_sanction",
    "mark_reviewed",
    "merge",
    "point",
    "recount_comments",
    "reject",
    "set_official_answer",
    "set_role",
    "suspend_user",
    "unhide",
    "unhide_comment",
    "update_reject_reason",
]
