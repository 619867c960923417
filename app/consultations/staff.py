"""Staff per consultation: who an admin assigned where, and what that allows them to do there.

The one authorization helper of the back office: pages, API and services ask `may`, `scope` or
`check` here, never the role alone (an assignment would then be ignored)."""

from functools import wraps

from flask import has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.consultations.models import STAFF_ROLE_LABELS, STAFF_ROLES, ConsultationStaff, utcnow
from app.errors import Forbidden, Invalid, NotFound, Unauthorized
from app.extensions import db

# What each consultation role allows in its consultation (admins may do everything everywhere).
PERMISSIONS = {
    "edit": {"chef_de_projet"},
    "create_workshop": {"chef_de_projet", "animateur"},
    "manage_workshops": {"chef_de_projet", "animateur"},
    # Inbox, detail, decisions, bulk actions, comments, flags, merges, official answers.
    "moderate": {"moderateur"},
    "export": {"urbaniste"},
    # Non-public OGC collections (and unpublished photos) of the consultation.
    "read_data": {"urbaniste"},
    "read_reports": {"urbaniste", "moderateur", "chef_de_projet"},
}
# Platform-wide roles that work on every consultation keep these rights.
PLATFORM = {
    "create_workshop": {"moderator"},
    "manage_workshops": {"moderator"},
    "moderate": {"moderator"},
    "export": {"urbanist"},
    "read_data": {"urbanist"},
    "read_reports": {"urbanist", "moderator"},
}
_SCOPE_CACHE = "cartecommune.staff_scope"


def refused_message(action):
    """The French message of a refusal (translated at request time)."""
    messages = {
        "moderate": _("Réservé à l'équipe de modération de cette concertation."),
        "export": _("Les exports sont réservés aux urbanistes de la concertation et aux administrateurs."),
        "read_data": _("Les données de cette concertation sont réservées à ses urbanistes."),
        "read_reports": _("Les rapports de cette concertation sont réservés à son équipe."),
    }
    return messages.get(action, _("Vous n'avez pas accès à cette concertation."))


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


def platform_wide(user, action):
    """True when `user` may do `action` in every consultation (admins, and the platform-wide roles)."""
    return _signed_in(user) and (user.role == "admin" or user.role in PLATFORM.get(action, ()))


def scope(user, action):
    """None when `user` may do `action` in every consultation, else the frozenset of the consultation ids
    where an assignment allows it (empty for anonymous people and unassigned accounts); one statement at
    most, remembered for the rest of the request."""
    if not _signed_in(user):
        return frozenset()
    if platform_wide(user, action):
        return None
    cache = request.environ.setdefault(_SCOPE_CACHE, {}) if has_request_context() else {}
    key = (user.id, action)
    if key not in cache:
        cache[key] = frozenset(
            db.session.scalars(
                select(ConsultationStaff.consultation_id).where(
                    ConsultationStaff.user_id == user.id, ConsultationStaff.role.in_(PERMISSIONS[action])
                )
            )
        )
    return cache[key]


def scope_ids(user, action):
    """`scope` as SQL parameters: None (every consultation) or a list of ids."""
    allowed = scope(user, action)
    return None if allowed is None else sorted(allowed)


def may(user, action, consultation_id):
    """True when `user` may do `action` (edit, moderate, export…) in this consultation."""
    allowed = scope(user, action)
    return allowed is None or consultation_id in allowed


def may_somewhere(user, action):
    """True when `user` may do `action` in at least one consultation."""
    allowed = scope(user, action)
    return allowed is None or bool(allowed)


def check(user, action, consultation_id, message=None):
    """Unauthorized for anonymous people, Forbidden unless `user` may do `action` in this consultation."""
    if not _signed_in(user):
        raise Unauthorized()
    if not may(user, action, consultation_id):
        raise Forbidden(message or refused_message(action))


def check_somewhere(user, action, message=None):
    """Unauthorized / Forbidden unless `user` may do `action` in at least one consultation."""
    if not _signed_in(user):
        raise Unauthorized()
    if not may_somewhere(user, action):
        raise Forbidden(message or refused_message(action))


def check_everywhere(user, action, message=None):
    """Unauthorized / Forbidden unless `user` may do `action` in every consultation (platform-wide)."""
    if not _signed_in(user):
        raise Unauthorized()
    if not platform_wide(user, action):
        raise Forbidden(message or refused_message(action))


def requires(action):
    """View decorator: anonymous people go to the login page (401 in JSON), people who may do `action`
    nowhere get 403; each route then checks its own consultation with `check`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from flask_login import current_user

            from app.extensions import login_manager

            if not _signed_in(current_user):
                return login_manager.unauthorized()
            check_somewhere(current_user, action)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def forget_scopes():
    """Drop the request's remembered scopes (after an assignment changes)."""
    if has_request_context():
        request.environ.pop(_SCOPE_CACHE, None)


def assigned_roles(user):
    """The consultation roles `user` holds somewhere (a set), for the navigation."""
    if not _signed_in(user):
        return set()
    return set(db.session.scalars(select(ConsultationStaff.role).where(ConsultationStaff.user_id == user.id)))


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
    forget_scopes()
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
    forget_scopes()
    _audit(admin, "staff_unassign", user, consultation, before={"role": role})


def _audit(actor, action, user, consultation, before=None, after=None):
    from app.moderation.services.audit import record

    with force_locale("fr"):  # the audit log is stored data: in the source language
        label = str(STAFF_ROLE_LABELS[(after or before)["role"]])
    record(actor, action, "user", user.id, consultation.id, reason=label, before=before, after=after)
