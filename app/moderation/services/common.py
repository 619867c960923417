"""Helpers shared by the moderation use cases: role checks, reasons, locks, follow-up jobs."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from rq import Retry
from sqlalchemy import select

from app.contributions.models import Contribution
from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from app.jobs import enqueue_after_commit
from app.moderation.models import RejectReason

REASON_MAX = 2000
MAIL_RETRY = (10, 60, 300)


def check_moderator(user, consultation_id):
    """Forbidden unless `user` moderates this consultation (assigned, platform-wide moderator or admin)."""
    from app.consultations.staff import check

    check(user, "moderate", consultation_id)


def check_platform_moderator(user):
    """Forbidden unless `user` moderates every consultation (platform-wide moderators and admins)."""
    from app.consultations.staff import check_everywhere

    check_everywhere(user, "moderate", _("Réservé aux modérateurs de toute la plateforme."))


def check_admin(user):
    """Forbidden unless `user` is an admin."""
    if user is None or not user.has_role("admin"):
        raise Forbidden(_("Réservé aux administrateurs."))


REASON_MISSING = _l("Indiquez un motif.")


def clean_reason(reason, required=False, message=REASON_MISSING):
    """The reason stripped (None when empty); Invalid when required and missing or too long."""
    text = (reason or "").strip()
    if required and not text:
        raise Invalid(message, fields={"reason": [message]})
    if len(text) > REASON_MAX:
        raise Invalid(fields={"reason": [_("%(reason_max)s caractères au maximum.", reason_max=REASON_MAX)]})
    return text or None


def compose_reason(reason_id=None, text=None):
    """« Label of the chosen reason : free text », either part optional."""
    parts = []
    if reason_id:
        chosen = db.session.get(RejectReason, int(reason_id))
        if chosen is None:
            raise Invalid(_("Motif inconnu."), fields={"reason_id": [_("Ce motif n'existe pas.")]})
        parts.append(chosen.label)
    if text and text.strip():
        parts.append(text.strip())
    return " : ".join(parts) or None


def lock_contributions(ids):
    """The contributions with these ids, locked FOR UPDATE in id order (no deadlock between moderators)."""
    rows = db.session.scalars(
        select(Contribution)
        .where(Contribution.id.in_(list(ids)))
        .order_by(Contribution.id)
        .with_for_update(of=Contribution)
        .execution_options(populate_existing=True)
    ).all()
    return {row.id: row for row in rows}


def lock_contribution(contribution_id):
    """One contribution locked FOR UPDATE, or NotFound."""
    row = lock_contributions([contribution_id]).get(contribution_id)
    if row is None:
        raise NotFound(_("Cette contribution n'existe pas."))
    return row


def schedule_map_refresh(consultation_id):
    """Ask the maps feature to refresh its pre-aggregated grid, when it offers that."""
    try:
        from app.maps.services import schedule_grid_refresh
    except ImportError:  # the maps feature has no pre-aggregated grid in this build
        return
    schedule_grid_refresh(consultation_id)


def enqueue_notification(func, *args):
    """Queue a notification job (mail queue) once the transaction has committed."""
    return enqueue_after_commit(
        "mail", f"app.moderation.tasks.{func}", *args, retry=Retry(max=3, interval=list(MAIL_RETRY))
    )


def set_reviewed(contribution, moderator):
    """A moderator looked at this idea: out of the « À relire » queue (kept when already reviewed)."""
    if contribution.reviewed_at is None:
        from app.consultations.models import utcnow

        contribution.reviewed_at = utcnow()
        contribution.reviewed_by_id = moderator.id if moderator is not None else None
