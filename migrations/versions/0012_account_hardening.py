"""accounts: login lock-out with back-off, API token expiry

Revision ID: 0012_account_hardening
Revises: 0011_media_merge_visibility
Create Date: 2026-12-06 19:40:00

- users.failed_logins / users.locked_until: failed sign-ins counted in the database (they survive a
  Redis flush or restart); after a threshold the account is locked for a doubling delay.
- api_tokens.expires_at: personal API tokens expire (existing tokens get 90 days from their creation).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_account_hardening"
down_revision = "0011_media_merge_visibility"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("users", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE api_tokens SET expires_at = created_at + interval '90 days'")
    op.alter_column("api_tokens", "expires_at", nullable=False)


def downgrade():
    op.drop_column("api_tokens", "expires_at")
    op.drop_column("users", "locked_until")
    op.drop_column("users", "failed_logins")
