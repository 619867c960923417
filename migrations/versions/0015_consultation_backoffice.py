"""consultation back office: staff per consultation, states, phases, landmarks, project news

Revision ID: 0015_consultation_backoffice
Revises: 0014_list_indexes
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0015_consultation_backoffice"
down_revision = "0014_list_indexes"
branch_labels = None
depends_on = None

STAFF_ROLES = "('chef_de_projet', 'moderateur', 'animateur', 'urbaniste')"


def _consultation_fk():
    return sa.Column(
        "consultation_id",
        sa.Integer,
        sa.ForeignKey("consultations.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "consultation_staff",
        sa.Column("id", sa.Integer, primary_key=True),
        _consultation_fk(),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("assigned_by_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("consultation_id", "user_id", "role", name="uq_consultation_staff"),
        sa.CheckConstraint(f"role IN {STAFF_ROLES}", name="ck_consultation_staff_role"),
    )
    op.create_index("ix_consultation_staff_user", "consultation_staff", ["user_id"])
    op.add_column(
        "consultations", sa.Column("status", sa.String(10), nullable=False, server_default="published")
    )
    op.create_check_constraint(
        "ck_consultations_status", "consultations", "status IN ('draft', 'published', 'archived')"
    )
    op.create_table(
        "consultation_phases",
        sa.Column("id", sa.Integer, primary_key=True),
        _consultation_fk(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("allows_propose", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("allows_vote", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("allows_comment", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("consultation_id", "position", name="uq_consultation_phases_position"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_consultation_phases_dates"),
    )
    op.create_table(
        "consultation_landmarks",
        sa.Column("id", sa.Integer, primary_key=True),
        _consultation_fk(),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    )
    op.create_index("ix_consultation_landmarks_consultation", "consultation_landmarks", ["consultation_id"])
    op.create_table(
        "consultation_news",
        sa.Column("id", sa.Integer, primary_key=True),
        _consultation_fk(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("photo_path", sa.String(200)),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    )
    op.create_index("ix_consultation_news_consultation", "consultation_news", ["consultation_id", "published_at"])


def downgrade():
    op.drop_table("consultation_news")
    op.drop_table("consultation_landmarks")
    op.drop_table("consultation_phases")
    op.drop_constraint("ck_consultations_status", "consultations")
    op.drop_column("consultations", "status")
    op.drop_table("consultation_staff")
