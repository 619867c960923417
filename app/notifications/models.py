"""Following (ideas, consultations, QPV), notifications and per-kind mail preferences."""

from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import JSONB

from app.consultations.models import utcnow
from app.extensions import db

TARGET_TYPES = ("contribution", "consultation", "qpv")
MODES = ("immediate", "weekly", "never")
MODE_LABELS = {"immediate": _l("Tout de suite"), "weekly": _l("Résumé hebdomadaire"), "never": _l("Jamais")}
# kind -> (label shown in the preferences, default mode)
KINDS = {
    "answer": (_l("Réponses officielles de l'équipe projet"), "immediate"),
    "new_idea": (_l("Nouvelles idées dans ce que vous suivez"), "weekly"),
    "restitution": (_l("Restitutions publiées (« ce que le projet en fait »)"), "weekly"),
    "news": (_l("Actualités du projet"), "weekly"),
    "moderation": (_l("Décisions de la modération sur vos idées et commentaires"), "immediate"),
}


def default_mode(kind):
    return KINDS.get(kind, ("", "weekly"))[1]


class Follow(db.Model):
    """A user follows an idea, a consultation or a QPV; `active` false keeps an undone default follow."""

    __tablename__ = "follows"
    id = db.Column(db.BigInteger, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    target_type = db.Column(db.String(16), nullable=False)
    target_key = db.Column(db.String(16), nullable=False)  # contribution or consultation id, QPV code
    origin = db.Column(db.String(12), nullable=False, default="manual")  # manual, author, vote
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    __table_args__ = (
        db.UniqueConstraint("user_id", "target_type", "target_key", name="uq_follows_user_target"),
        db.CheckConstraint("target_type IN ('contribution', 'consultation', 'qpv')", name="target_type"),
        db.Index("ix_follows_target", "target_type", "target_key", postgresql_where=db.text("active")),
    )


class Notification(db.Model):
    """Something that happened to what a user follows; mailed at once, in the digest, or never."""

    __tablename__ = "notifications"
    id = db.Column(db.BigInteger, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(16), nullable=False)
    event_key = db.Column(db.String(80), nullable=False)
    reason = db.Column(
        db.String(16), nullable=False
    )  # why this user: author, vote, contribution, consultation, qpv
    title = db.Column(db.String(300), nullable=False)  # French; see title_values
    # The values of the title (its own words: {"title": …, "outcome": …}): the title is written in each
    # reader's language from them (mails.notification_title); NULL for rows from before.
    title_values = db.Column(JSONB)
    summary = db.Column(db.Text, nullable=False, default="")
    url = db.Column(db.String(500), nullable=False)
    contribution_id = db.Column(db.Integer, db.ForeignKey("contributions.id", ondelete="CASCADE"))
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime(timezone=True))
    mailed_at = db.Column(db.DateTime(timezone=True))
    digested_at = db.Column(db.DateTime(timezone=True))

    __table_args__ = (
        db.UniqueConstraint("user_id", "event_key", name="uq_notifications_user_event"),
        db.Index("ix_notifications_user_created", "user_id", "created_at"),
        db.Index("ix_notifications_event", "event_key"),
        db.Index(
            "ix_notifications_undelivered",
            "user_id",
            postgresql_where=db.text("mailed_at IS NULL AND digested_at IS NULL"),
        ),
    )


class NotificationPreference(db.Model):
    """How a user wants one kind of notification by mail (no row: the kind's default)."""

    __tablename__ = "notification_preferences"
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind = db.Column(db.String(16), primary_key=True)
    mode = db.Column(db.String(10), nullable=False)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (db.CheckConstraint("mode IN ('immediate', 'weekly', 'never')", name="mode"),)
