"""Contributions (proposals with a geometry), their photos, versions, votes and comments."""

from flask_babel import lazy_gettext as _l
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import deferred

from app.consultations.models import utcnow
from app.extensions import db

STATUSES = ("pending", "published", "rejected", "hidden", "merged")
SOURCES = ("web", "workshop", "kiosk")
OUTCOMES = ("a_l_etude", "retenue", "integree", "deja_prevue", "non_retenue")
OUTCOME_LABELS = {
    "a_l_etude": _l("À l'étude"),
    "retenue": _l("Retenue"),
    "integree": _l("Intégrée au projet"),
    "deja_prevue": _l("Déjà prévue"),
    "non_retenue": _l("Non retenue"),
}
STATUS_LABELS = {
    "pending": _l("En attente de validation"),
    "published": _l("Publiée"),
    "rejected": _l("Refusée"),
    "hidden": _l("Masquée"),
    "merged": _l("Fusionnée"),
}
SOURCE_LABELS = {"web": _l("En ligne"), "workshop": _l("Atelier"), "kiosk": _l("Borne")}
# Values of `source` in the public JSON API (the issue contract says « atelier » for workshop entries).
API_SOURCES = {"web": "web", "workshop": "atelier", "kiosk": "kiosk"}
# The counters a contribution carries (votes, comments, workshop votes, flags): all zero when it is new.
COUNTERS = (
    "agree_count",
    "disagree_count",
    "comment_count",
    "workshop_agree_count",
    "workshop_disagree_count",
    "flag_count",
)


class Contribution(db.Model):
    __tablename__ = "contributions"
    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    workshop_id = db.Column(db.Integer, db.ForeignKey("workshops.id"), index=True)
    participant_id = db.Column(db.Integer, db.ForeignKey("workshop_participants.id"))
    kiosk_id = db.Column(db.Integer, db.ForeignKey("kiosks.id"))
    geom = db.Column(Geometry("GEOMETRY", srid=4326), nullable=False)
    # Representative point (the point itself, or a point on the line/polygon) used for the map.
    anchor = db.Column(Geometry("POINT", srid=4326), nullable=False)
    qpv_code = db.Column(db.String(16), db.ForeignKey("qpv.code"), index=True)
    commune_insee = db.Column(db.String(5), db.ForeignKey("communes.insee"))
    theme_slug = db.Column(db.String(64), db.ForeignKey("themes.slug"), nullable=False)
    title = db.Column(db.String(140), nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    # « près du 12 rue … »: reverse geocoding of the anchor, filled by a job after creation (0020).
    address_label = db.Column(db.String(200))
    status = db.Column(db.String(12), nullable=False, default="published")
    source = db.Column(db.String(12), nullable=False, default="web")
    agree_count = db.Column(db.Integer, nullable=False, default=0)
    disagree_count = db.Column(db.Integer, nullable=False, default=0)
    comment_count = db.Column(db.Integer, nullable=False, default=0)
    # Counts gathered on paper at workshops, kept apart from individual votes.
    workshop_agree_count = db.Column(db.Integer, nullable=False, default=0)
    workshop_disagree_count = db.Column(db.Integer, nullable=False, default=0)
    flag_count = db.Column(db.Integer, nullable=False, default=0)
    outcome = db.Column(db.String(16))
    official_answer = db.Column(db.Text)
    answered_at = db.Column(db.DateTime(timezone=True))
    answered_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    moderation_reason = db.Column(db.Text)
    merged_into_id = db.Column(db.Integer, db.ForeignKey("contributions.id"))
    # What a merged contribution was before its merge: only a published one stays public (migration 0011).
    status_before_merge = db.Column(db.String(12))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    published_at = db.Column(db.DateTime(timezone=True))
    # A moderator looked at it (any decision, or « Vu, rien à signaler »): out of the « À relire » queue.
    reviewed_at = db.Column(db.DateTime(timezone=True))
    reviewed_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    # Full-text search (French, unaccented: cc_search_vector, migration 0014); never loaded with the row.
    search = deferred(db.Column(TSVECTOR, db.Computed("cc_search_vector(title, body)", persisted=True)))

    consultation = db.relationship("Consultation")
    author = db.relationship("User", foreign_keys=[author_id])
    # Not a column: what the INSERT of a new contribution returned beside its columns (names, GeoJSON,
    # anchor; services.create_contribution), for its JSON without reading it back (queries.created_detail).
    created_view = None
    theme = db.relationship("Theme", lazy="joined")
    photos = db.relationship(
        "Photo", order_by="Photo.position", cascade="all, delete-orphan", back_populates="contribution"
    )

    __table_args__ = (
        db.CheckConstraint(
            "status IN ('pending', 'published', 'rejected', 'hidden', 'merged')", name="status"
        ),
        db.CheckConstraint("source IN ('web', 'workshop', 'kiosk')", name="source"),
        db.CheckConstraint(
            "outcome IS NULL OR outcome IN "
            "('a_l_etude', 'retenue', 'integree', 'deja_prevue', 'non_retenue')",
            name="outcome",
        ),
        db.CheckConstraint("agree_count >= 0 AND disagree_count >= 0", name="counts"),
        # Keyset-paged lists (migration 0014).
        db.Index("ix_contributions_consultation_status", "consultation_id", "status", "created_at", "id"),
        db.Index("ix_contributions_status_created", "status", "created_at", "id"),
        db.Index(
            "ix_contributions_list_recent",
            "consultation_id",
            "created_at",
            "id",
            postgresql_where=db.text("status = 'published'"),
        ),
        db.Index(
            "ix_contributions_list_score",
            "consultation_id",
            db.text("(agree_count - disagree_count)"),
            "id",
            postgresql_where=db.text("status = 'published'"),
        ),
        db.Index(
            "ix_contributions_list_debate",
            "consultation_id",
            db.text("(2 * least(agree_count, disagree_count) + comment_count)"),
            "id",
            postgresql_where=db.text("status = 'published'"),
        ),
        db.Index("ix_contributions_search", "search", postgresql_using="gin"),
        db.Index(
            "ix_contributions_merged_into",
            "merged_into_id",
            postgresql_where=db.text("merged_into_id IS NOT NULL"),
        ),
        db.Index(  # the moderation « À relire » tab, in its keyset order (migration 0022)
            "ix_contributions_to_review",
            "created_at",
            "id",
            postgresql_where=db.text("status = 'published' AND reviewed_at IS NULL"),
        ),
        db.Index(  # the moderation « flagged » tab (migration 0004)
            "ix_contributions_flagged",
            "consultation_id",
            "created_at",
            postgresql_where=db.text("flag_count > 0"),
        ),
        db.Index(
            "ix_contributions_title_trgm",  # KNN on titles (duplicate suggestions)
            "title",
            postgresql_using="gist",
            postgresql_ops={"title": "gist_trgm_ops"},
        ),
    )

    @property
    def score(self):
        return self.agree_count - self.disagree_count


class Photo(db.Model):
    __tablename__ = "photos"
    id = db.Column(db.Integer, primary_key=True)
    contribution_id = db.Column(
        db.Integer, db.ForeignKey("contributions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = db.Column(db.SmallInteger, nullable=False, default=0)
    path = db.Column(db.String(300), nullable=False, index=True)  # relative to MEDIA_DIR
    thumb_path = db.Column(db.String(300), nullable=False, index=True)
    width = db.Column(db.Integer, nullable=False)
    height = db.Column(db.Integer, nullable=False)
    size_bytes = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    contribution = db.relationship("Contribution", back_populates="photos")


class ContributionVersion(db.Model):
    """The state of a contribution before a moderator's edit (edit history)."""

    __tablename__ = "contribution_versions"
    id = db.Column(db.Integer, primary_key=True)
    contribution_id = db.Column(
        db.Integer, db.ForeignKey("contributions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    editor_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    title = db.Column(db.String(140), nullable=False)
    body = db.Column(db.Text, nullable=False)
    theme_slug = db.Column(db.String(64), nullable=False)
    geom = db.Column(Geometry("GEOMETRY", srid=4326), nullable=False)
    reason = db.Column(db.Text)


class Vote(db.Model):
    __tablename__ = "votes"
    id = db.Column(db.BigInteger, primary_key=True)
    contribution_id = db.Column(
        db.Integer, db.ForeignKey("contributions.id", ondelete="CASCADE"), nullable=False
    )
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    value = db.Column(db.SmallInteger, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        db.UniqueConstraint("contribution_id", "user_id", name="uq_votes_contribution_user"),
        db.CheckConstraint("value IN (-1, 1)", name="value"),
    )


class Comment(db.Model):
    __tablename__ = "comments"
    id = db.Column(db.Integer, primary_key=True)
    contribution_id = db.Column(
        db.Integer, db.ForeignKey("contributions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    parent_id = db.Column(db.Integer, db.ForeignKey("comments.id", ondelete="CASCADE"))
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    workshop_id = db.Column(db.Integer, db.ForeignKey("workshops.id"))
    body = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(12), nullable=False, default="published")
    flag_count = db.Column(db.Integer, nullable=False, default=0)
    moderation_reason = db.Column(db.Text)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    author = db.relationship("User")

    __table_args__ = (
        db.CheckConstraint("status IN ('published', 'hidden', 'pending')", name="status"),
        db.Index("ix_comments_flagged", "contribution_id", postgresql_where=db.text("flag_count > 0")),
        db.Index("ix_comments_status_created", "status", "created_at", "id"),
        db.Index(
            "ix_comments_flagged_order",
            "flag_count",
            "created_at",
            "id",
            postgresql_where=db.text("flag_count > 0"),
        ),
    )
