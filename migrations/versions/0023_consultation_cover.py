"""Consultations: a cover image (re-encoded JPEG and its thumbnail) with its alternative text.

Revision ID: 0023_consultation_cover
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_consultation_cover"
down_revision = "0020_address_label"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("consultations", sa.Column("cover_path", sa.String(200), nullable=True))
    op.add_column("consultations", sa.Column("cover_thumb_path", sa.String(200), nullable=True))
    op.add_column("consultations", sa.Column("cover_alt", sa.String(200), nullable=False, server_default=""))


def downgrade():
    op.drop_column("consultations", "cover_alt")
    op.drop_column("consultations", "cover_thumb_path")
    op.drop_column("consultations", "cover_path")
