"""The public restitution of a consultation (« Ce que vous avez dit, ce que le projet en fait »)."""

from sqlalchemy.dialects.postgresql import JSONB

from app.consultations.models import utcnow
from app.extensions import db


class Restitution(db.Model):
    """Published by the project team; the figures are frozen at publication (« chiffres au … »)."""

    __tablename__ = "restitutions"
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    published_at = db.Column(db.DateTime(timezone=True))  # null: withdrawn (or never published)
    published_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    report_id = db.Column(db.Integer, db.ForeignKey("reports.id", ondelete="SET NULL"))
    figures = db.Column(JSONB, nullable=False, default=dict)
    figures_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    consultation = db.relationship("Consultation")
