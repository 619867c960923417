"""notifications: follows, notifications, mail preferences; restitution: the public restitution

Revision ID: 0017_notifications_restitution
Revises: 0018_idempotency_keys
Create Date: 2026-12-06 20:00:00

Self-contained: only new tables. Authors and voters follow their ideas by default without a row
(a row with active = false records that they stopped following).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017_notifications_restitution"
down_revision = "0018_idempotency_keys"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)



def upgrade():
    op.create_table(
        "follows",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("target_key", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(12), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("user_id", "target_type", "target_key", name="uq_follows_user_target"),
        sa.CheckConstraint(
            "target_type IN ('contribution', 'consultation', 'qpv')", name=op.f("ck_follows_target_type")
        ),
    )
    op.create_index(
        "ix_follows_target", "follows", ["target_type", "target_key"], postgresql_where=sa.text("active")
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(80), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("contribution_id", sa.Integer, sa.ForeignKey("contributions.id", ondelete="CASCADE")),
        sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultations.id", ondelete="CASCADE")),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("read_at", TZ),
        sa.Column("mailed_at", TZ),
        sa.Column("digested_at", TZ),
        sa.UniqueConstraint("user_id", "event_key", name="uq_notifications_user_event"),
    )
    op.create_index("ix_notifications_user_created", "notifications", ["user_id", "created_at"])
    op.create_index("ix_notifications_event", "notifications", ["event_key"])
    op.create_index(
        "ix_notifications_undelivered",
        "notifications",
        ["user_id"],
        postgresql_where=sa.text("mailed_at IS NULL AND digested_at IS NULL"),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "kind", name="pk_notification_preferences"),
        sa.CheckConstraint("mode IN ('immediate', 'weekly', 'never')", name=op.f("ck_notification_preferences_mode")),
    )
    op.create_table(
        "restitutions",
        sa.Column(
            "consultation_id",
            sa.Integer,
            sa.ForeignKey("consultations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("published_at", TZ),
        sa.Column("published_by_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="SET NULL")),
        sa.Column("figures", JSONB, nullable=False),
        sa.Column("figures_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )


def downgrade():
    op.drop_table("restitutions")
    op.drop_table("notification_preferences")
    op.drop_table("notifications")
    op.drop_table("follows")
