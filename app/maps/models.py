"""The pre-aggregated map grid: published contributions counted per cell, level and filter values."""

from app.extensions import db


class MapGridCell(db.Model):
    """One bucket of a grid level: a cell total ('*' everywhere), a theme, or a (theme, outcome, QPV).

    '' stands for "no outcome"/"no QPV"; `top_theme` is the dominant theme of the bucket."""

    __tablename__ = "map_grid_cells"
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    level = db.Column(db.SmallInteger, primary_key=True)
    theme_slug = db.Column(db.String(64), primary_key=True)
    outcome = db.Column(db.String(16), primary_key=True, server_default="")
    qpv_code = db.Column(db.String(16), primary_key=True, server_default="")
    cell_x = db.Column(db.Integer, primary_key=True)
    cell_y = db.Column(db.Integer, primary_key=True)
    count = db.Column(db.Integer, nullable=False)
    sum_x = db.Column(db.Float(precision=53), nullable=False)
    sum_y = db.Column(db.Float(precision=53), nullable=False)
    top_theme = db.Column(db.String(64), nullable=False)

    __table_args__ = (
        db.Index("ix_map_grid_cells_cells", "consultation_id", "level", "cell_x", "cell_y"),
        # What the map reads without a QPV or outcome filter, index-only whatever the plan (migration 0008).
        db.Index(
            "ix_map_grid_cells_totals",
            "consultation_id",
            "level",
            "theme_slug",
            "cell_x",
            "cell_y",
            postgresql_include=["count", "sum_x", "sum_y", "top_theme"],
            postgresql_where=db.text("outcome = '*' AND qpv_code = '*'"),
        ),
    )


class MapGridState(db.Model):
    """When the grid of a consultation was last rebuilt, and from how many contributions."""

    __tablename__ = "map_grid_state"
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    refreshed_at = db.Column(db.DateTime(timezone=True), nullable=False)
    contributions = db.Column(db.Integer, nullable=False)
    seconds = db.Column(db.Float, nullable=False)
