"""Consultations: a cover image (re-encoded JPEG and its thumbnail) with its alternative text; communes
and consultations name their territory (several territories in one database; NULL = the served one).

Revision ID: 0023_consultation_cover
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_consultation_cover"
down_revision = "0021_locale_falc"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("consultations", sa.Column("cover_path", sa.String(200), nullable=True))
    op.add_column("consultations", sa.Column("cover_thumb_path", sa.String(200), nullable=True))
    op.add_column("consultations", sa.Column("cover_alt", sa.String(200), nullable=False, server_default=""))
    op.add_column("consultations", sa.Column("territory", sa.String(40), nullable=True))
    op.add_column("communes", sa.Column("territory", sa.String(40), nullable=True))


def downgrade():
    op.drop_column("communes", "territory")
    op.drop_column("consultations", "territory")
    op.drop_column("consultations", "cover_alt")
    op.drop_column("consultations", "cover_thumb_path")
    op.drop_column("consultations", "cover_path")
