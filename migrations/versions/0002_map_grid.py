"""Map grid: pre-aggregated counts of published contributions per map cell (maps feature).

Rows per cell: one total (theme_slug = outcome = qpv_code = '*'), one per theme (outcome = qpv_code
= '*') and one per (theme, outcome, QPV) detail ('' = no outcome / no QPV).

And map_street_features(): the contributions of a street-zoom viewport nearest its centre, planned
with the GiST KNN scan only (its SET clauses), which stops after `lim` rows however dense the area;
with a filter, among the `candidates` nearest visible ones (bounded work when the filter is rare),
followed by a row with `capped` true and no id when that bound was reached.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


STREET_FEATURES_SIGNATURE = (
    "map_street_features(integer, double precision, double precision, double precision, double precision,"
    " integer, text, text, text, integer, integer)"
)
STREET_FEATURES_SQL = """
CREATE OR REPLACE FUNCTION map_street_features(
    p_consultation integer, p_minlon double precision, p_minlat double precision, p_maxlon double precision,
    p_maxlat double precision, p_author integer, p_theme text, p_qpv text, p_outcome text, p_limit integer,
    p_candidates integer)
RETURNS TABLE (id integer, anchor geometry, theme_slug text, agree_count integer, disagree_count integer,
               comment_count integer, outcome text, status text, capped boolean)
LANGUAGE sql STABLE PARALLEL SAFE
SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
AS $$
  WITH near AS MATERIALIZED (
    SELECT k.id, k.anchor, k.theme_slug, k.agree_count, k.disagree_count, k.comment_count, k.outcome,
           k.status, k.qpv_code
    FROM contributions k
    WHERE k.consultation_id = p_consultation
      AND k.anchor && ST_MakeEnvelope(p_minlon, p_minlat, p_maxlon, p_maxlat, 4326)
      AND (k.status = 'published' OR (k.status = 'pending' AND k.author_id = p_author))
    ORDER BY k.anchor <-> ST_SetSRID(ST_MakePoint((p_minlon + p_maxlon) / 2, (p_minlat + p_maxlat) / 2), 4326)
    LIMIT p_candidates)
  (SELECT n.id, n.anchor, n.theme_slug::text, n.agree_count, n.disagree_count, n.comment_count,
          n.outcome::text, n.status::text, false
   FROM near n
   WHERE (p_theme IS NULL OR n.theme_slug = p_theme) AND (p_qpv IS NULL OR n.qpv_code = p_qpv)
     AND (p_outcome IS NULL OR n.outcome = p_outcome)
   LIMIT p_limit)
  UNION ALL  -- a last row without id when the candidates were capped: more may lie beyond them
  SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true
  WHERE p_candidates > p_limit AND (SELECT count(*) FROM near) >= p_candidates
$$
"""


def upgrade():
    op.execute(STREET_FEATURES_SQL)
    op.create_table(
        "map_grid_cells",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("cell_x", sa.Integer(), nullable=False),
        sa.Column("cell_y", sa.Integer(), nullable=False),
        sa.Column("theme_slug", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False, server_default=""),
        sa.Column("qpv_code", sa.String(length=16), nullable=False, server_default=""),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sum_x", sa.Float(precision=53), nullable=False),
        sa.Column("sum_y", sa.Float(precision=53), nullable=False),
        sa.Column("top_theme", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_map_grid_cells_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "consultation_id",
            "level",
            "theme_slug",
            "outcome",
            "qpv_code",
            "cell_x",
            "cell_y",
            name=op.f("pk_map_grid_cells"),
        ),
    )
    # Filtered requests on QPV or outcome read the detail rows of a range of cells.
    op.create_index(
        "ix_map_grid_cells_cells", "map_grid_cells", ["consultation_id", "level", "cell_x", "cell_y"]
    )
    op.create_table(
        "map_grid_state",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contributions", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_map_grid_state_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consultation_id", name=op.f("pk_map_grid_state")),
    )


def downgrade():
    op.execute(f"DROP FUNCTION IF EXISTS {STREET_FEATURES_SIGNATURE}")
    op.drop_table("map_grid_state")
    op.drop_table("map_grid_cells")
