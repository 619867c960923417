"""A concertation: perimeter, themes, dates, moderation and voting modes."""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from geoalchemy2 import Geometry
from sqlalchemy import func, inspect, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import column_property

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
STATUSES = ("draft", "published", "archived")
STAFF_ROLES = ("chef_de_projet", "moderateur", "animateur", "urbaniste")
STAFF_ROLE_LABELS = {
    "chef_de_projet": _l("Chef de projet"),
    "moderateur": _l("Modérateur"),
    "animateur": _l("Animateur"),
    "urbaniste": _l("Urbaniste"),
}
PHASE_ACTIONS = ("propose", "vote", "comment")


def utcnow():
    return datetime.now(UTC)


class Consultation(db.Model):
    __tablename__ = "consultations"
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    title = db.Column(db.String(200), nullable=False)
    summary = db.Column(db.String(400), nullable=False, default="")
    description = db.Column(db.Text, nullable=False, default="")
    # « Facile à lire et à comprendre » (FALC): short sentences for residents who ask for them.
    easy_read_summary = db.Column(db.Text)
    geom = db.Column(Geometry("MULTIPOLYGON", srid=4326), nullable=False)
    perimeter_provisional = db.Column(db.Boolean, nullable=False, default=True)
    buffer_m = db.Column(db.Integer, nullable=False, default=300)
    geometry_kinds = db.Column(ARRAY(db.String(10)), nullable=False, default=lambda: ["point"])
    opens_at = db.Column(db.DateTime(timezone=True), nullable=False)
    closes_at = db.Column(db.DateTime(timezone=True), nullable=False)
    moderation_mode = db.Column(db.String(8), nullable=False, default="post")
    voting_mode = db.Column(db.String(16), nullable=False, default="agree_disagree")
    is_published = db.Column(db.Boolean, nullable=False, default=True)
    # draft / published / archived; `is_published` is false for drafts only (archives stay readable).
    status = db.Column(db.String(10), nullable=False, default="published", server_default="published")
    # Urbanists' exports and OGC API: public data is readable without a token.
    data_public = db.Column(db.Boolean, nullable=False, default=True)
    export_pseudonyms = db.Column(db.Boolean, nullable=False, default=False)
    npnru_qpv_code = db.Column(db.String(16), db.ForeignKey("qpv.code"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    # Cover image: re-encoded by the contributions' photo pipeline (no EXIF), paths under MEDIA_DIR.
    cover_path = db.Column(db.String(200))
    cover_thumb_path = db.Column(db.String(200))
    cover_alt = db.Column(db.String(200), nullable=False, default="", server_default="")
    # The territory that runs it (its folder's slug); NULL: the one this app serves (single-territory installs).
    territory = db.Column(db.String(40))
    # Its themes' slugs in one column: a write path that only checks that a theme is one of its own
    # loads this instead of every Theme (see `theme_slug_set`).
    theme_slugs = column_property(
        select(func.array_agg(consultation_themes.c.theme_slug))
        .where(consultation_themes.c.consultation_id == id)
        .scalar_subquery(),
        deferred=True,
    )

    qpvs = db.relationship("Qpv", secondary=consultation_qpvs, lazy="selectin", order_by="Qpv.code")
    themes = db.relationship(
        "Theme", secondary=consultation_themes, lazy="selectin", order_by="Theme.position"
    )
    phases = db.relationship(
        "Phase",
        lazy="selectin",
        order_by="Phase.position",
        cascade="all, delete-orphan",
        back_populates="consultation",
    )

    __table_args__ = (
        db.CheckConstraint("moderation_mode IN ('pre', 'post')", name="moderation_mode"),
        db.CheckConstraint("voting_mode IN ('agree_disagree', 'support')", name="voting_mode"),
        db.CheckConstraint("closes_at > opens_at", name="dates"),
        db.CheckConstraint("buffer_m >= 0 AND buffer_m <= 5000", name="buffer"),
        db.CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
    )

    def is_open(self, now=None):
        now = now or utcnow()
        return self.is_published and self.opens_at <= now < self.closes_at

    def theme_slug_set(self):
        """The slugs of its themes: from `theme_slugs` when its statement loaded them, else the themes."""
        if "theme_slugs" not in inspect(self).unloaded:
            return set(self.theme_slugs or ())
        return {theme.slug for theme in self.themes}

    @property
    def description_html(self):
        from app.consultations.markdown import render_markdown

        return render_markdown(self.description)

    @property
    def easy_read_html(self):
        from app.consultations.markdown import render_markdown

        return render_markdown(self.easy_read_summary) if self.easy_read_summary else ""

    @property
    def current_phase(self):
        from app.consultations.phases import current_phase

        return current_phase(self)

    def allows(self, action):
        """True when the current phase allows `action` (propose, vote, comment)."""
        from app.consultations.phases import allows

        return allows(self, action)

    def refusal(self, action):
        """Why `action` is not open now (French), or None."""
        from app.consultations.phases import refusal

        return refusal(self, action)

    @property
    def phase(self):
        now = utcnow()
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"


class ConsultationStaff(db.Model):
    """A person assigned by an admin to one consultation in one role."""

    __tablename__ = "consultation_staff"
    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    assigned_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    user = db.relationship("User", foreign_keys=[user_id])
    consultation = db.relationship("Consultation")

    __table_args__ = (
        db.UniqueConstraint("consultation_id", "user_id", "role", name="uq_consultation_staff"),
        db.CheckConstraint("role IN ('chef_de_projet', 'moderateur', 'animateur', 'urbaniste')", name="role"),
        db.Index("ix_consultation_staff_user", "user_id"),
    )

    @property
    def role_label(self):
        return STAFF_ROLE_LABELS[self.role]


class Phase(db.Model):
    """One step of a consultation (« Idées », « Votes »…): its dates and the actions it allows."""

    __tablename__ = "consultation_phases"
    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    position = db.Column(db.Integer, nullable=False)
    name = db.Column(db.String(80), nullable=False)
    starts_at = db.Column(db.DateTime(timezone=True), nullable=False)
    ends_at = db.Column(db.DateTime(timezone=True), nullable=False)
    allows_propose = db.Column(db.Boolean, nullable=False, default=False)
    allows_vote = db.Column(db.Boolean, nullable=False, default=False)
    allows_comment = db.Column(db.Boolean, nullable=False, default=False)
    consultation = db.relationship("Consultation", back_populates="phases")

    __table_args__ = (
        db.UniqueConstraint("consultation_id", "position", name="uq_consultation_phases_position"),
        db.CheckConstraint("ends_at > starts_at", name="dates"),
    )

    @property
    def description_html(self):
        from app.consultations.markdown import render_markdown

        return render_markdown(self.description)

    @property
    def current_phase(self):
        from app.consultations.phases import current_phase

        return current_phase(self)

    def allows(self, action):
        return bool(getattr(self, f"allows_{action}"))

    @property
    def actions(self):
        return [action for action in PHASE_ACTIONS if self.allows(action)]


class Landmark(db.Model):
    """A named place of the neighbourhood (« lieu repère ») residents can pick instead of the map."""

    __tablename__ = "consultation_landmarks"
    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    position = db.Column(db.Integer, nullable=False, default=0)
    name = db.Column(db.String(120), nullable=False)
    geom = db.Column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)

    __table_args__ = (db.Index("ix_consultation_landmarks_consultation", "consultation_id"),)


class News(db.Model):
    """A dated post of the project team (« Actualités du projet »), shown in the timeline."""

    __tablename__ = "consultation_news"
    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    photo_path = db.Column(db.String(200))
    published_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    consultation = db.relationship("Consultation")

    __table_args__ = (db.Index("ix_consultation_news_consultation", "consultation_id", "published_at"),)


# Whether proposing is open now, by the phases' own rule (phases.open_now), as a deferred column: the
# new idea's statement reads it with the row instead of the phases (phases.refusal trusts it).
from app.consultations.phases import open_now  # noqa: E402 - the rule lives with the phases

Consultation.proposing_open = column_property(open_now(Consultation, "propose"), deferred=True)
