"""Accounts: sign-in links mailed instead of a password (hashed, single use, short-lived).

Revision ID: 0024_signin_links
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_signin_links"
down_revision = "0020_address_label"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signin_links",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("next_path", sa.String(500)),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_signin_links_user_created", "signin_links", ["user_id", "created_at"])


def downgrade():
    op.drop_index("ix_signin_links_user_created", table_name="signin_links")
    op.drop_table("signin_links")
