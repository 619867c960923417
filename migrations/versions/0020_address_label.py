"""Contributions: the address near the placed point (reverse geocoding), filled after creation.

Revision ID: 0020_address_label
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_address_label"
down_revision = "0017_notifications_restitution"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("contributions", sa.Column("address_label", sa.String(200), nullable=True))


def downgrade():
    op.drop_column("contributions", "address_label")
