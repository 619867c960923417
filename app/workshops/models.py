"""Workshops at the maisons du projet, their (private) participants, paper vote counts, kiosks."""

from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

from app.consultations.models import utcnow
from app.extensions import db

workshop_facilitators = db.Table(
    "workshop_facilitators",
    db.Column("workshop_id", db.Integer, db.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Workshop(db.Model):
    __tablename__ = "workshops"
    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title = db.Column(db.String(200), nullable=False)
    starts_at = db.Column(db.DateTime(timezone=True), nullable=False)
    ends_at = db.Column(db.DateTime(timezone=True))
    place_name = db.Column(db.String(200), nullable=False)
    address = db.Column(db.String(300), nullable=False, default="")
    geom = db.Column(Geometry("POINT", srid=4326))
    participants_count = db.Column(db.Integer, nullable=False, default=0)
    # Anonymous demographics in aggregate only, e.g. {"age": {"18-25": 4}, "women": 7, ...}
    demographics = db.Column(JSONB, nullable=False, default=dict)
    notes = db.Column(db.Text, nullable=False, default="")
    outcome_summary = db.Column(db.Text, nullable=False, default="")
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    consultation = db.relationship("Consultation")
    facilitators = db.relationship("User", secondary=workshop_facilitators, lazy="selectin")


class WorkshopParticipant(db.Model):
    """Contact of a participant, kept for follow-up only with consent. Never published nor exported."""

    __tablename__ = "workshop_participants"
    id = db.Column(db.Integer, primary_key=True)
    workshop_id = db.Column(
        db.Integer, db.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False, index=True
    )
    first_name = db.Column(db.String(80))
    contact = db.Column(db.String(254))
    consent_at = db.Column(db.DateTime(timezone=True))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class WorkshopTally(db.Model):
    """Votes and comments gathered on paper at a workshop, entered as counts."""

    __tablename__ = "workshop_tallies"
    id = db.Column(db.Integer, primary_key=True)
    workshop_id = db.Column(db.Integer, db.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False)
    contribution_id = db.Column(
        db.Integer, db.ForeignKey("contributions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    agree = db.Column(db.Integer, nullable=False, default=0)
    disagree = db.Column(db.Integer, nullable=False, default=0)
    comments = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    __table_args__ = (
        db.UniqueConstraint("workshop_id", "contribution_id", name="uq_workshop_tallies_pair"),
        db.CheckConstraint("agree >= 0 AND disagree >= 0 AND comments >= 0", name="positive"),
    )


class Kiosk(db.Model):
    """A tablet at a maison du projet running the account-free flow for one consultation."""

    __tablename__ = "kiosks"
    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    workshop_id = db.Column(db.Integer, db.ForeignKey("workshops.id", ondelete="SET NULL"))
    name = db.Column(db.String(120), nullable=False)
    code_hash = db.Column(db.String(255), nullable=False)
    device_token_hash = db.Column(db.String(64), unique=True)
    opened_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    opened_at = db.Column(db.DateTime(timezone=True))
    closed_at = db.Column(db.DateTime(timezone=True))
    idle_reset_seconds = db.Column(db.Integer, nullable=False, default=90)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    consultation = db.relationship("Consultation")
    workshop = db.relationship("Workshop")

    @property
    def is_open(self):
        return self.closed_at is None and self.device_token_hash is not None
