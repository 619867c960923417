"""Sanctions (suspension, ban), roles and the list of reject reasons."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.consultations.models import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from app.moderation.models import RejectReason
from app.moderation.services.audit import record, user_snapshot
from app.moderation.services.common import (
    check_admin,
    check_platform_moderator,
    clean_reason,
    enqueue_notification,
)

GRANTABLE_ROLES = ("resident", "facilitator", "moderator", "urbanist")


def _check_can_sanction(actor, user):
    check_platform_moderator(actor)
    if user.id == actor.id:
        raise Forbidden(_("Vous ne pouvez pas vous sanctionner vous-même."))
    if user.role in ("moderator", "admin") and actor.role != "admin":
        raise Forbidden(_("Seul un administrateur peut sanctionner un membre de l'équipe."))
    if user.role == "admin":
        raise Forbidden(_("Un administrateur ne peut pas être sanctionné ici."))


def _sanction(actor, user, action, reason, **values):
    before = user_snapshot(user)
    for name, value in values.items():
        setattr(user, name, value)
    db.session.flush()
    entry = record(actor, action, "user", user.id, None, reason, before, user_snapshot(user))
    if user.email:
        enqueue_notification("notify_sanction", entry.id)
    return user


def suspend_user(actor, user, until, reason):
    """Suspend a user until `until` (aware datetime, future): they can no longer post."""
    _check_can_sanction(actor, user)
    reason = clean_reason(reason, True, _("Indiquez le motif de la suspension."))
    if until is None or until <= utcnow():
        raise Invalid(
            _("La fin de la suspension doit être dans le futur."), fields={"until": [_("Date passée.")]}
        )
    return _sanction(actor, user, "suspend", reason, suspended_until=until, suspension_reason=reason)


def ban_user(actor, user, reason):
    """Ban a user for good: they can no longer post, vote, comment or flag."""
    _check_can_sanction(actor, user)
    reason = clean_reason(reason, True, _("Indiquez le motif du bannissement."))
    if user.banned_at is not None:
        raise Conflict(_("Ce compte est déjà banni."))
    return _sanction(actor, user, "ban", reason, banned_at=utcnow(), suspension_reason=reason)


def lift_sanction(actor, user, reason=None):
    """End a suspension or a ban."""
    _check_can_sanction(actor, user)
    if user.banned_at is None and not (user.suspended_until and user.suspended_until > utcnow()):
        raise Conflict(_("Ce compte n'a pas de sanction en cours."))
    reason = clean_reason(reason)
    return _sanction(actor, user, "lift_sanction", reason, banned_at=None, suspended_until=None)


def set_role(admin, user, role):
    """Grant a role (resident, facilitator, moderator, urbanist); admins are named on the command line."""
    check_admin(admin)
    if role not in GRANTABLE_ROLES:
        raise Invalid(
            _("Rôle inconnu."),
            fields={"role": [_("Rôle attendu : %(roles)s.", roles=", ".join(GRANTABLE_ROLES))]},
        )
    if user.id == admin.id or user.role == "admin":
        raise Forbidden(_("Le rôle d'un administrateur se change en ligne de commande."))
    if user.role == role:
        raise Conflict(_("Ce compte a déjà ce rôle."))
    before = user_snapshot(user)
    user.role = role
    db.session.flush()
    record(admin, "set_role", "user", user.id, None, None, before, user_snapshot(user))
    return user


# --- reject reasons --------------------------------------------------------------------------------
def _reason_snapshot(reason):
    return {"label": reason.label, "active": reason.active, "position": reason.position}


def _clean_label(label):
    label = (label or "").strip()
    if not 3 <= len(label) <= 200:
        raise Invalid(fields={"label": [_("Entre 3 et 200 caractères.")]})
    return label


def _check_unique(label, exclude_id=None):
    query = select(RejectReason.id).where(func.lower(RejectReason.label) == label.lower())
    if exclude_id:
        query = query.where(RejectReason.id != exclude_id)
    if db.session.scalar(query):
        raise Conflict(_("Ce motif existe déjà."), fields={"label": [_("Déjà dans la liste.")]})


def create_reject_reason(admin, label):
    """Add a reason to the list offered to moderators (at the end)."""
    check_admin(admin)
    label = _clean_label(label)
    _check_unique(label)
    position = (db.session.scalar(select(func.max(RejectReason.position))) or 0) + 1
    reason = RejectReason(label=label, active=True, position=position)
    db.session.add(reason)
    db.session.flush()
    record(admin, "reason_create", "reject_reason", reason.id, None, None, None, _reason_snapshot(reason))
    return reason


def update_reject_reason(admin, reason, label=None, active=None, position=None):
    """Rename, (de)activate or move a reason; reasons are never deleted (the audit log cites them)."""
    check_admin(admin)
    before = _reason_snapshot(reason)
    if label is not None:
        reason.label = _clean_label(label)
        _check_unique(reason.label, exclude_id=reason.id)
    if active is not None:
        reason.active = bool(active)
    if position is not None:
        reason.position = int(position)
    if _reason_snapshot(reason) == before:
        return reason
    db.session.flush()
    record(admin, "reason_update", "reject_reason", reason.id, None, None, before, _reason_snapshot(reason))
    return reason
