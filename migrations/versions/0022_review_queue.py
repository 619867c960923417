"""Moderation « À relire » queue: who looked at a published idea (post-moderation), and when.

Published ideas nobody reviewed form the queue; the partial index follows the inbox's keyset order
(created_at, id) over the queue's rows only. Ideas already decided on (an entry in the audit log) or
published under pre-moderation count as reviewed.

Revision ID: 0022_review_queue
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_review_queue"
down_revision = "0024_signin_links"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("contributions", sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "contributions",
        sa.Column("reviewed_by_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    op.execute(
        "UPDATE contributions c SET reviewed_at = coalesce(c.published_at, c.created_at)"
        " WHERE c.status <> 'published'"
        " OR c.consultation_id IN (SELECT id FROM consultations WHERE moderation_mode = 'pre')"
        " OR EXISTS (SELECT 1 FROM moderation_actions a"
        "  WHERE a.target_type = 'contribution' AND a.target_id = c.id)"
    )
    op.create_index(
        "ix_contributions_to_review",
        "contributions",
        ["created_at", "id"],
        postgresql_where=sa.text("status = 'published' AND reviewed_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_contributions_to_review", table_name="contributions")
    op.drop_column("contributions", "reviewed_by_id")
    op.drop_column("contributions", "reviewed_at")
