"""idempotency keys: the first answer of a write retried with the same Idempotency-Key

Revision ID: 0018_idempotency_keys
Revises: 0016_dimension_stats
Create Date: 2026-12-06 20:30:00

- idempotency_keys: (scope, key) unique; the request's hash, the first answer's status and body.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_idempotency_keys"
down_revision = "0016_dimension_stats"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("scope", sa.String(120), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade():
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
