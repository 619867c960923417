"""Moderation reads: inbox, duplicates, detail, back-office lists."""

from app.moderation.queries.detail import contribution_detail, get_comment, get_contribution
from app.moderation.queries.duplicates import suggest_duplicates
from app.moderation.queries.inbox import (
    PAGE_SIZE,
    TABS,
    InboxFilters,
    consultation_of,
    consultations_of,
    consultations_of_actions,
    decode_cursor,
    filter_options,
    inbox_counts,
    inbox_items,
)
from app.moderation.queries.lists import (
    COMMENT_TABS,
    AuditFilters,
    action_names,
    audit_entries,
    comment_counts,
    comment_items,
    comment_keys,
    decode_audit_cursor,
    decode_users_cursor,
    user_contributions,
    users_page,
)

__all__ = [
    "COMMENT_TABS",
    "PAGE_SIZE",
    "TABS",
    "AuditFilters",
    "InboxFilters",
    "action_names",
    "audit_entries",
    "comment_counts",
    "comment_items",
    "comment_keys",
    "decode_audit_cursor",
    "decode_users_cursor",
    "consultation_of",
    "consultations_of",
    "consultations_of_actions",
    "contribution_detail",
    "decode_cursor",
    "filter_options",
    "get_comment",
    "get_contribution",
    "inbox_counts",
    "inbox_items",
    "suggest_duplicates",
    "user_contributions",
    "users_page",
]
