"""lists: indexes that match every sort and filter of the lists, full-text search, trigram KNN

Revision ID: 0014_list_indexes
Revises: 0012_account_hardening
Create Date: 2026-12-06 19:45:00

Every list is paged by keyset (ORDER BY key, id; WHERE (key, id) < cursor; LIMIT n): each sort has
a btree index whose order is the sort's, restricted to the rows the list shows, so that page 1 000
reads as few rows as page 1. Search goes through a GIN index on a stored tsvector column (French configuration,
accents removed by `unaccent` when the extension is available: it is a trusted extension, the
database owner can create it) on an IMMUTABLE wrapper (unaccent() itself is only STABLE). Duplicate
suggestions rank titles by trigram distance with KNN on a GiST index (ORDER BY title <-> :t LIMIT k)
instead of collecting every `%` match of the GIN index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_list_indexes"
down_revision = "0012_account_hardening"
branch_labels = None
depends_on = None

PUBLISHED = sa.text("status = 'published'")


def _unaccent_available(bind):
    return bind.execute(
        sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'unaccent'")
    ).scalar()


def _search_functions(bind):
    if _unaccent_available(bind):
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        body = "SELECT public.unaccent('public.unaccent'::regdictionary, $1)"
    else:  # the common accents of French, enough for search
        body = "SELECT translate($1, 'àâäáãéèêëíìîïóòôöõúùûüçñœÀÂÄÉÈÊËÎÏÔÖÙÛÜÇ', 'aaaaaeeeeiiiiooooouuuucnoAAAEEEEIIOOUUUC')"
    op.execute(
        "CREATE OR REPLACE FUNCTION cc_unaccent(text) RETURNS text"
        f" LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $${body}$$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION cc_search_vector(title text, body text) RETURNS tsvector"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$"
        " SELECT setweight(to_tsvector('french'::regconfig, cc_unaccent(coalesce(title, ''))), 'A')"
        " || setweight(to_tsvector('french'::regconfig, cc_unaccent(left(coalesce(body, ''), 2000))), 'B') $$"
    )


def upgrade():
    bind = op.get_bind()
    _search_functions(bind)
    # Public list: one index per sort, published rows only (the author's own others are few).
    op.create_index(
        "ix_contributions_list_recent",
        "contributions",
        ["consultation_id", "created_at", "id"],
        postgresql_where=PUBLISHED,
    )
    op.execute(
        "CREATE INDEX ix_contributions_list_score ON contributions"
        " (consultation_id, (agree_count - disagree_count), id) WHERE status = 'published'"
    )
    op.execute(
        "CREATE INDEX ix_contributions_list_debate ON contributions"
        " (consultation_id, (2 * least(agree_count, disagree_count) + comment_count), id)"
        " WHERE status = 'published'"
    )
    # Stored, so that an index recheck or a filter reads the vector instead of computing it per row.
    op.execute(
        "ALTER TABLE contributions ADD COLUMN search tsvector"
        " GENERATED ALWAYS AS (cc_search_vector(title, body)) STORED"
    )
    op.create_index("ix_contributions_search", "contributions", ["search"], postgresql_using="gin")
    # Moderation inbox: per tab (status), newest or oldest first, per consultation or across them.
    op.drop_index("ix_contributions_consultation_status", table_name="contributions")
    op.create_index(
        "ix_contributions_consultation_status",
        "contributions",
        ["consultation_id", "status", "created_at", "id"],
    )
    op.create_index("ix_contributions_status_created", "contributions", ["status", "created_at", "id"])
    op.create_index(
        "ix_contributions_merged_into",
        "contributions",
        ["merged_into_id"],
        postgresql_where=sa.text("merged_into_id IS NOT NULL"),
    )
    op.drop_index("ix_contributions_title_trgm", table_name="contributions")
    op.create_index(
        "ix_contributions_title_trgm",
        "contributions",
        ["title"],
        postgresql_using="gist",
        postgresql_ops={"title": "gist_trgm_ops"},
    )
    _staff_indexes()


def _staff_indexes():
    # Staff lists: comments per tab, users by pseudonym with their search, the journal by filter.
    op.create_index("ix_comments_status_created", "comments", ["status", "created_at", "id"])
    op.create_index(
        "ix_comments_flagged_order",
        "comments",
        ["flag_count", "created_at", "id"],
        postgresql_where=sa.text("flag_count > 0"),
    )
    op.create_index(
        "ix_users_pseudonym_trgm",
        "users",
        ["pseudonym"],
        postgresql_using="gin",
        postgresql_ops={"pseudonym": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_users_email_trgm", "users", ["email"], postgresql_using="gin", postgresql_ops={"email": "gin_trgm_ops"}
    )
    op.create_index("ix_users_role_pseudonym", "users", ["role", "pseudonym"])
    op.create_index(
        "ix_users_sanctioned",
        "users",
        ["pseudonym"],
        postgresql_where=sa.text("banned_at IS NOT NULL OR suspended_until IS NOT NULL"),
    )
    op.create_index("ix_moderation_actions_order", "moderation_actions", ["created_at", "id"])
    op.create_index("ix_moderation_actions_action", "moderation_actions", ["action", "created_at", "id"])
    op.create_index("ix_moderation_actions_actor", "moderation_actions", ["actor_id", "created_at", "id"])


def downgrade():
    for name, table in (
        ("ix_moderation_actions_actor", "moderation_actions"),
        ("ix_moderation_actions_action", "moderation_actions"),
        ("ix_moderation_actions_order", "moderation_actions"),
        ("ix_users_sanctioned", "users"),
        ("ix_users_role_pseudonym", "users"),
        ("ix_users_email_trgm", "users"),
        ("ix_users_pseudonym_trgm", "users"),
        ("ix_comments_flagged_order", "comments"),
        ("ix_comments_status_created", "comments"),
        ("ix_contributions_title_trgm", "contributions"),
        ("ix_contributions_merged_into", "contributions"),
        ("ix_contributions_status_created", "contributions"),
        ("ix_contributions_consultation_status", "contributions"),
        ("ix_contributions_search", "contributions"),
        ("ix_contributions_list_debate", "contributions"),
        ("ix_contributions_list_score", "contributions"),
        ("ix_contributions_list_recent", "contributions"),
    ):
        op.drop_index(name, table_name=table)
    op.create_index("ix_contributions_consultation_status", "contributions", ["consultation_id", "status"])
    op.create_index(
        "ix_contributions_title_trgm",
        "contributions",
        ["title"],
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.drop_column("contributions", "search")
    op.execute("DROP FUNCTION IF EXISTS cc_search_vector(text, text)")
    op.execute("DROP FUNCTION IF EXISTS cc_unaccent(text)")
