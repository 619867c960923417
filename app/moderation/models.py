"""Flags, reject reasons and the append-only audit log of moderation actions."""

from sqlalchemy.dialects.postgresql import JSONB

from app.consultations.models import utcnow
from app.extensions import db


class Flag(db.Model):
    __tablename__ = "flags"
    id = db.Column(db.Integer, primary_key=True)
    contribution_id = db.Column(db.Integer, db.ForeignKey("contributions.id", ondelete="CASCADE"), index=True)
    comment_id = db.Column(db.Integer, db.ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    reason = db.Column(db.String(40), nullable=False)
    details = db.Column(db.Text)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    resolved_at = db.Column(db.DateTime(timezone=True))

    __table_args__ = (
        db.CheckConstraint("(contribution_id IS NULL) <> (comment_id IS NULL)", name="one_target"),
        db.Index(
            "uq_flags_user_contribution",
            "user_id",
            "contribution_id",
            unique=True,
            postgresql_where=db.text("contribution_id IS NOT NULL"),
        ),
        db.Index(
            "uq_flags_user_comment",
            "user_id",
            "comment_id",
            unique=True,
            postgresql_where=db.text("comment_id IS NOT NULL"),
        ),
    )


class RejectReason(db.Model):
    """Reasons offered to moderators when rejecting; edited by admins."""

    __tablename__ = "reject_reasons"
    id = db.Column(db.Integer, primary_key=True)
    label = db.Column(db.String(200), nullable=False, unique=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    position = db.Column(db.Integer, nullable=False, default=0)


class ModerationAction(db.Model):
    """One moderation action: who, what, when, before/after. Rows are never updated."""

    __tablename__ = "moderation_actions"
    id = db.Column(db.BigInteger, primary_key=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    action = db.Column(db.String(40), nullable=False)
    target_type = db.Column(db.String(20), nullable=False)
    target_id = db.Column(db.Integer, nullable=False)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultations.id", ondelete="SET NULL"))
    reason = db.Column(db.Text)
    before = db.Column(JSONB)
    after = db.Column(JSONB)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    actor = db.relationship("User")

    __table_args__ = (
        db.Index("ix_moderation_actions_target", "target_type", "target_id"),
        db.Index("ix_moderation_actions_consultation", "consultation_id", "created_at"),
        db.Index("ix_moderation_actions_order", "created_at", "id"),
        db.Index("ix_moderation_actions_action", "action", "created_at", "id"),
        db.Index("ix_moderation_actions_actor", "actor_id", "created_at", "id"),
    )
