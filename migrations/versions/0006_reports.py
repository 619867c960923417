"""reports: territory-wide reports and unique version numbers per scope

Revision ID: 0006_reports
Revises: 0004
Create Date: 2026-11-22 10:00:00

A report covers one consultation, one QPV, or (both null) the whole territory; version numbers
are unique within each scope.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_reports"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint(op.f("ck_reports_one_scope"), "reports", type_="check")
    op.create_check_constraint(
        op.f("ck_reports_one_scope"), "reports", "consultation_id IS NULL OR qpv_code IS NULL"
    )
    op.create_check_constraint(
        op.f("ck_reports_status"), "reports", "status IN ('queued', 'started', 'finished', 'failed')"
    )
    op.create_index(
        "uq_reports_consultation_version",
        "reports",
        ["consultation_id", "version"],
        unique=True,
        postgresql_where=sa.text("consultation_id IS NOT NULL"),
    )
    op.create_index(
        "uq_reports_qpv_version",
        "reports",
        ["qpv_code", "version"],
        unique=True,
        postgresql_where=sa.text("qpv_code IS NOT NULL"),
    )
    op.create_index(
        "uq_reports_territory_version",
        "reports",
        ["version"],
        unique=True,
        postgresql_where=sa.text("consultation_id IS NULL AND qpv_code IS NULL"),
    )


def downgrade():
    op.drop_index("uq_reports_territory_version", table_name="reports")
    op.drop_index("uq_reports_qpv_version", table_name="reports")
    op.drop_index("uq_reports_consultation_version", table_name="reports")
    op.drop_constraint(op.f("ck_reports_status"), "reports", type_="check")
    op.execute("DELETE FROM reports WHERE consultation_id IS NULL AND qpv_code IS NULL")
    op.drop_constraint(op.f("ck_reports_one_scope"), "reports", type_="check")
    op.create_check_constraint(
        op.f("ck_reports_one_scope"), "reports", "(consultation_id IS NULL) <> (qpv_code IS NULL)"
    )
