"""jobs: the transactional outbox (job_outbox) and the mails already sent by a job (sent_mails)

Revision ID: 0010_job_outbox
Revises: 0009_street_features_unfiltered
Create Date: 2026-12-06 19:40:00

Jobs asked for by a write are recorded in the write's transaction and handed to RQ after the
commit (or by the relay when Redis was away): nothing acknowledged is lost when Redis is down.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_job_outbox"
down_revision = "0009_street_features_unfiltered"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_outbox",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("func", sa.String(length=200), nullable=False),
        sa.Column("args", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("kwargs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("retry_max", sa.Integer(), nullable=True),
        sa.Column("retry_intervals", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("timeout", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_outbox")),
        sa.UniqueConstraint("job_id", name=op.f("uq_job_outbox_job_id")),
    )
    op.create_index(
        "ix_job_outbox_undispatched",
        "job_outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_index(
        "ix_job_outbox_in_flight",
        "job_outbox",
        ["dispatched_at"],
        unique=False,
        postgresql_where=sa.text("dispatched_at IS NOT NULL AND completed_at IS NULL"),
    )
    op.create_table(
        "sent_mails",
        sa.Column("job_id", sa.String(length=80), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_sent_mails")),
    )


def downgrade():
    op.drop_table("sent_mails")
    op.drop_index("ix_job_outbox_in_flight", table_name="job_outbox")
    op.drop_index("ix_job_outbox_undispatched", table_name="job_outbox")
    op.drop_table("job_outbox")
