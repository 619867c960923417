"""Staff per consultation: who an admin assigned where, and what that allows them to do there."""

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.consultations.models import STAFF_ROLE_LABELS, STAFF_ROLES, ConsultationStaff, utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db

# What each consultation role allows in its consultation (admins may do everything everywhere).
PERMISSIONS = {
    "edit": {"chef_de_projet"},
    "create_workshop": {"chef_de_projet", "animateur"},
    "manage_workshops": {"chef_de_projet", "animateur"},
}
# Platform-wide roles that work on every consultation keep these rights.
PLATFORM = {"create_workshop": {"moderator"}, "manage_workshops": {"moderator"}}


def _signed_in(user):
    return user is not None and getattr(user, "is_authenticated", False)


def staff_roles(user, consultation_id):
    """The consultation roles of `user` in this consultation (a set, empty when none)."""
    if not _signed_in(user) or consultation_id is None:
        return set()
    rows = db.session.scalars(
        select(ConsultationStaff.role).where(
            ConsultationStaff.user_id == user.id, ConsultationStaff.consultation_id == consultation_id
        )
    )
    return set(rows)


def may(user, action, consultation_id):
    """True when `user` may do `action` (edit, create_workshop…) in this consultation."""
    if not _signed_in(user):
        return False
    if user.role == "admin" or user.role in PLATFORM.get(action, ()):
        return True
    return bool(staff_roles(user, consultation_id) & PERMISSIONS[action])


def leads_any(user):
    """True for admins and for people an admin made project lead of at least one consultation."""
    if not _signed_in(user):
        return False
    if user.role == "admin":
        return True
    return bool(
        db.session.scalar(
            select(ConsultationStaff.id)
            .where(ConsultationStaff.user_id == user.id, ConsultationStaff.role == "chef_de_projet")
            .limit(1)
        )
    )


def check_admin(user):
    """Forbidden unless `user` is an admin."""
    if not _signed_in(user) or user.role != "admin":
        raise Forbidden(_("Seuls les administrateurs affectent l'équipe d'une concertation."))


def list_staff(consultation_id):
    """The assignments of a consultation, by role then pseudonym."""
    from app.accounts.models import User

    return db.session.scalars(
        select(ConsultationStaff)
        .join(User, User.id == ConsultationStaff.user_id)
        .where(ConsultationStaff.consultation_id == consultation_id)
        .order_by(ConsultationStaff.role, User.pseudonym)
    ).all()


def find_user(identifier):
    """The active account with this e-mail or pseudonym, or Invalid."""
    from app.accounts.models import User

    value = (identifier or "").strip()
    user = db.session.scalar(
        select(User).where(
            (User.email == value.lower()) | (User.pseudonym == value), User.deleted_at.is_(None)
        )
    )
    if user is None:
        message = _("Aucun compte n'a l'adresse ou le pseudonyme « %(value)s ».", value=value)
        raise Invalid(message, fields={"user": [message]})
    return user


def assign_staff(admin, consultation, user, role):
    """Assign `user` to `consultation` in `role` (admins only); audited; returns the assignment."""
    check_admin(admin)
    if role not in STAFF_ROLES:
        message = _("Rôle inconnu : chef_de_projet, moderateur, animateur ou urbaniste.")
        raise Invalid(message, fields={"role": [message]})
    if user.banned_at is not None or user.deleted_at is not None:
        raise Invalid(_("Ce compte est banni ou supprimé."), fields={"user": [_("Compte inutilisable.")]})
    if role == "animateur" and user.role not in ("facilitator", "moderator", "admin"):
        message = _(
            "Donnez d'abord le rôle d'animateur à « %(pseudonym)s » (page Comptes).", pseudonym=user.pseudonym
        )
        raise Invalid(message, fields={"user": [message]})
    assignment, created = ensure_assignment(consultation, user, role, assigned_by=admin)
    if created:
        _audit(admin, "staff_assign", user, consultation, after={"role": role})
    return assignment


def ensure_assignment(consultation, user, role, assigned_by=None):
    """(assignment, created): the assignment, added when missing (setup files, demo)."""
    existing = db.session.scalar(
        select(ConsultationStaff).where(
            ConsultationStaff.consultation_id == consultation.id,
            ConsultationStaff.user_id == user.id,
            ConsultationStaff.role == role,
        )
    )
    if existing is not None:
        return existing, False
    assignment = ConsultationStaff(
        consultation_id=consultation.id,
        user_id=user.id,
        role=role,
        assigned_by_id=assigned_by.id if assigned_by is not None else None,
        assigned_at=utcnow(),
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment, True


def unassign_staff(admin, consultation, assignment_id):
    """Remove one assignment of this consultation (admins only); audited."""
    check_admin(admin)
    assignment = db.session.get(ConsultationStaff, assignment_id)
    if assignment is None or assignment.consultation_id != consultation.id:
        raise NotFound(_("Cette affectation n'existe pas."))
    user, role = assignment.user, assignment.role
    db.session.delete(assignment)
    db.session.flush()
    _audit(admin, "staff_unassign", user, consultation, before={"role": role})


def _audit(actor, action, user, consultation, before=None, after=None):
    from app.moderation.services.audit import record

    with force_locale("fr"):  # the audit log is stored data: in the source language
        label = str(STAFF_ROLE_LABELS[(after or before)["role"]])
    record(actor, action, "user", user.id, consultation.id, reason=label, before=before, after=after)
