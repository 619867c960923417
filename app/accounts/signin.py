"""Signing in without a password: a link mailed to a confirmed, active account, used once, short-lived.

The raw token only travels in the mail; the database keeps its SHA-256. Using a link is one UPDATE
guarded by `used_at IS NULL`: of two concurrent clicks, PostgreSQL lets exactly one through."""

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.accounts import mails
from app.accounts.models import SigninLink, User
from app.consultations.models import utcnow
from app.errors import Forbidden, Invalid
from app.extensions import db
from app.templating import paris_date


def link_minutes():
    """How long a sign-in link lives (SIGNIN_LINK_MINUTES, 15 by default)."""
    return int(current_app.config.get("SIGNIN_LINK_MINUTES", 15))


def refusal(user, now=None):
    """Why this account may not sign in by link (French), or None when it may."""
    now = now or utcnow()
    if user.banned_at is not None:
        return _("Votre compte a été banni par la modération : vous ne pouvez plus vous connecter.")
    if user.suspended_until is not None and user.suspended_until > now:
        return _(
            "Votre compte est suspendu par la modération jusqu'au %(date)s : la connexion par lien "
            "e-mail n'est pas possible pendant la suspension.",
            date=paris_date(user.suspended_until, with_time=True),
        )
    if user.confirmed_at is None:
        return _(
            "Votre adresse e-mail n'est pas encore confirmée : ouvrez d'abord le lien de confirmation "
            "reçu à l'inscription, ou connectez-vous avec votre mot de passe."
        )
    return None


def request_link(email, next_path=None):
    """Mail a sign-in link when a confirmed, active account has this address; silent otherwise.

    Returns the SigninLink or None; the caller answers the same either way (no account probing)."""
    from app.accounts.services import email_errors, normalize_email

    email = normalize_email(email)
    if email_errors(email):
        raise Invalid(fields={"email": email_errors(email)})
    user = db.session.scalar(select(User).where(func.lower(User.email) == email, User.deleted_at.is_(None)))
    now = utcnow()
    if user is None or refusal(user, now) is not None or _too_many(user, now):
        return None
    raw = secrets.token_urlsafe(32)
    link = SigninLink(
        user_id=user.id,
        token_hash=SigninLink.hash(raw),
        next_path=next_path,
        session_version=user.session_version,
        created_at=now,
        expires_at=now + timedelta(minutes=link_minutes()),
    )
    db.session.add(link)
    db.session.flush()
    _audit(user, "signin_link_sent", {"link": link.id})
    mails.send_signin_link_mail(user, raw, link_minutes())
    return link


def _too_many(user, now):
    # A few links per account and lifetime window, so that requests cannot flood a mailbox (the IP
    # rate limit comes first; this one holds even when many addresses ask for the same account).
    window = now - timedelta(minutes=link_minutes())
    sent = db.session.scalar(
        select(func.count(SigninLink.id)).where(SigninLink.user_id == user.id, SigninLink.created_at > window)
    )
    return sent >= int(current_app.config.get("SIGNIN_LINKS_PER_WINDOW", 3))


def use_link(raw):
    """The (user, next path) of a valid link, which is spent at once; Invalid/Forbidden otherwise."""
    now = utcnow()
    token_hash = SigninLink.hash(raw or "")
    spent = db.session.execute(
        update(SigninLink)
        .where(
            SigninLink.token_hash == token_hash,
            SigninLink.used_at.is_(None),
            SigninLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(SigninLink.id, SigninLink.user_id, SigninLink.next_path, SigninLink.session_version)
    ).first()
    if spent is None:
        raise _why_not(token_hash)
    user = db.session.get(User, spent.user_id)
    if user is None or user.deleted_at is not None or user.session_version != spent.session_version:
        raise Invalid(_bad(), code="bad_token")
    reason = refusal(user, now)
    if reason is not None:
        raise Forbidden(reason, code="account_refused")
    # The other links of this account die with this sign-in (a mailbox read later cannot reuse them).
    db.session.execute(
        update(SigninLink)
        .where(SigninLink.user_id == user.id, SigninLink.used_at.is_(None))
        .values(used_at=now)
    )
    _audit(user, "signin_link_used", {"link": spent.id})
    return user, spent.next_path


def _why_not(token_hash):
    link = db.session.scalar(select(SigninLink).where(SigninLink.token_hash == token_hash))
    if link is None:
        return Invalid(_bad(), code="bad_token")
    if link.used_at is not None:
        return Invalid(
            _(
                "Ce lien de connexion a déjà servi : il ne fonctionne qu'une seule fois. "
                "Demandez-en un nouveau si besoin."
            ),
            code="used_token",
        )
    return Invalid(
        _(
            "Ce lien de connexion a expiré (il est valable %(minutes)s minutes) : demandez-en un nouveau.",
            minutes=link_minutes(),
        ),
        code="expired_token",
    )


def _bad():
    return _(
        "Ce lien de connexion n'est pas valable : vérifiez qu'il a été copié en entier, ou demandez-en un nouveau."
    )


def _audit(user, action, after):
    from app.moderation.services.audit import record

    record(user, action, "user", user.id, after=after)
