"""Notifications keep the values of their title (the idea's or consultation's own words, the outcome), so
that the title is written in each reader's language when shown or mailed; `title` stays as the French
text (rows from before, and any reader whose language has no translation).

Revision ID: 0025_notification_title_values
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0025_notification_title_values"
down_revision = "0023_consultation_cover"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("notifications", sa.Column("title_values", postgresql.JSONB(), nullable=True))


def downgrade():
    op.drop_column("notifications", "title_values")
