"""A concertation: perimeter, themes, dates, moderation and voting modes."""

from datetime import UTC, datetime

from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db

consultation_qpvs = db.Table(
    "consultation_qpvs",
    db.Column(
        "consultation_id", db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    ),
    db.Column("qpv_code", db.String(16), db.ForeignKey("qpv.code"), primary_key=True),
)

consultation_themes = db.Table(
    "consultation_themes",
    db.Column(
        "consultation_id", db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    ),
    db.Column("theme_slug", db.String(64), db.ForeignKey("themes.slug"), primary_key=True),
)

MODERATION_MODES = ("pre", "post")
VOTING_MODES = ("agree_disagree", "support")
GEOMETRY_KINDS = ("point", "line", "polygon")


def utcnow():
    return datetime.now(UTC)


class Consultation(db.Model):
    __tablename__ = "consultations"
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    title = db.Column(db.String(200), nullable=False)
    summary = db.Column(db.String(400), nullable=False, default="")
    description = db.Column(db.Text, nullable=False, default="")
    geom = db.Column(Geometry("MULTIPOLYGON", srid=4326), nullable=False)
    perimeter_provisional = db.Column(db.Boolean, nullable=False, default=True)
    buffer_m = db.Column(db.Integer, nullable=False, default=300)
    geometry_kinds = db.Column(ARRAY(db.String(10)), nullable=False, default=lambda: ["point"])
    opens_at = db.Column(db.DateTime(timezone=True), nullable=False)
    closes_at = db.Column(db.DateTime(timezone=True), nullable=False)
    moderation_mode = db.Column(db.String(8), nullable=False, default="post")
    voting_mode = db.Column(db.String(16), nullable=False, default="agree_disagree")
    is_published = db.Column(db.Boolean, nullable=False, default=True)
    # Urbanists' exports and OGC API: public data is readable without a token.
    data_public = db.Column(db.Boolean, nullable=False, default=True)
    export_pseudonyms = db.Column(db.Boolean, nullable=False, default=False)
    npnru_qpv_code = db.Column(db.String(16), db.ForeignKey("qpv.code"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    qpvs = db.relationship("Qpv", secondary=consultation_qpvs, lazy="selectin", order_by="Qpv.code")
    themes = db.relationship(
        "Theme", secondary=consultation_themes, lazy="selectin", order_by="Theme.position"
    )

    __table_args__ = (
        db.CheckConstraint("moderation_mode IN ('pre', 'post')", name="moderation_mode"),
        db.CheckConstraint("voting_mode IN ('agree_disagree', 'support')", name="voting_mode"),
        db.CheckConstraint("closes_at > opens_at", name="dates"),
        db.CheckConstraint("buffer_m >= 0 AND buffer_m <= 5000", name="buffer"),
    )

    def is_open(self, now=None):
        now = now or utcnow()
        return self.is_published and self.opens_at <= now < self.closes_at

    @property
    def phase(self):
        now = utcnow()
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"
