"""Users, roles and personal API tokens."""

import hashlib

from flask_login import UserMixin

from app.consultations.models import utcnow
from app.extensions import db

ROLES = ("resident", "facilitator", "moderator", "urbanist", "admin")
AGE_BANDS = ("moins-de-18", "18-25", "26-40", "41-60", "61-75", "plus-de-75")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), unique=True)  # null once the account is deleted
    pseudonym = db.Column(db.String(40), nullable=False, unique=True)
    password_hash = db.Column(db.String(255))
    role = db.Column(db.String(16), nullable=False, default="resident")
    confirmed_at = db.Column(db.DateTime(timezone=True))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime(timezone=True))
    suspended_until = db.Column(db.DateTime(timezone=True))
    banned_at = db.Column(db.DateTime(timezone=True))
    suspension_reason = db.Column(db.Text)
    deleted_at = db.Column(db.DateTime(timezone=True))
    # Optional profile answers, used only in aggregate.
    home_qpv_code = db.Column(db.String(16), db.ForeignKey("qpv.code"))
    age_band = db.Column(db.String(16))
    # Bumped on password change / deletion so old sessions and reset links die.
    session_version = db.Column(db.Integer, nullable=False, default=1)
    # Failed sign-ins since the last success; past a threshold the account is locked until `locked_until`.
    failed_logins = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    locked_until = db.Column(db.DateTime(timezone=True))
    # The language chosen with the switcher (null: the browser's) and the easy-read choice (FALC).
    locale = db.Column(db.String(8))
    easy_read = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())

    __table_args__ = (
        db.CheckConstraint(
            "role IN ('resident', 'facilitator', 'moderator', 'urbanist', 'admin')", name="role"
        ),
        # The back office's user list (migration 0014): search, role filter, sanctioned filter.
        db.Index(
            "ix_users_pseudonym_trgm",
            "pseudonym",
            postgresql_using="gin",
            postgresql_ops={"pseudonym": "gin_trgm_ops"},
        ),
        db.Index(
            "ix_users_email_trgm", "email", postgresql_using="gin", postgresql_ops={"email": "gin_trgm_ops"}
        ),
        db.Index("ix_users_role_pseudonym", "role", "pseudonym"),
        db.Index(
            "ix_users_sanctioned",
            "pseudonym",
            postgresql_where=db.text("banned_at IS NOT NULL OR suspended_until IS NOT NULL"),
        ),
    )

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self):
        return self.deleted_at is None

    def has_role(self, *roles):
        return self.role in roles or self.role == "admin"

    @property
    def is_staff(self):
        return self.role in ("moderator", "admin")

    def can_post(self, now=None):
        if self.banned_at or self.deleted_at:
            return False
        return not (self.suspended_until and self.suspended_until > (now or utcnow()))


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    name = db.Column(db.String(100), nullable=False, default="jeton personnel")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime(timezone=True))
    revoked_at = db.Column(db.DateTime(timezone=True))
    expires_at = db.Column(db.DateTime(timezone=True), nullable=False)
    user = db.relationship("User")

    def is_valid(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or utcnow())

    @staticmethod
    def hash(raw):
        return hashlib.sha256(raw.encode()).hexdigest()
