"""Users (sanctions for moderators, roles for admins), reject reasons and the audit log (admins)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import ROLES, User
from app.errors import Invalid, NotFound
from app.extensions import db
from app.moderation import queries, services
from app.moderation.models import RejectReason
from app.moderation.queries.inbox import filter_options
from app.moderation.schemas import AuditArgs, UserArgs
from app.moderation.views import bp
from app.moderation.views.helpers import (
    admin_only,
    form_action,
    form_int,
    load_args,
    me,
    platform_moderators_only,
)

PARIS = ZoneInfo("Europe/Paris")
ROLE_LABELS = {
    "resident": _l("Habitant·e"),
    "facilitator": _l("Animateur·rice"),
    "moderator": _l("Modérateur·rice"),
    "urbanist": _l("Urbaniste"),
    "admin": _l("Administrateur·rice"),
}
SANCTION_DONE = {"suspend": _l("Compte suspendu."), "ban": _l("Compte banni."), "lift": _l("Sanction levée.")}


def _get_user(user_id):
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(_("Ce compte n'existe pas."))
    return user


@bp.get("/utilisateurs")
@platform_moderators_only
def users():
    """Search accounts (by pseudonym; « sanctionnés seulement » lists the sanctioned ones)."""
    args = load_args(UserArgs)
    after = queries.decode_users_cursor(args["apres"])
    before = None if after else queries.decode_users_cursor(args["avant"])
    rows, following, preceding = queries.users_page(
        args["q"], args["role"], args["sanctioned"], after, before
    )
    return render_template(
        "moderation/users.html",
        args=args,
        users=rows,
        next_cursor=following,
        previous_cursor=preceding,
        role_labels=ROLE_LABELS,
    )


@bp.get("/utilisateurs/<int:user_id>")
@platform_moderators_only
def user(user_id):
    """One account: sanctions, role, recent contributions and the moderation history about it."""
    account = _get_user(user_id)
    entries, _, _ = queries.audit_entries(
        queries.AuditFilters(target_type="user", target_id=user_id, per_page=20)
    )
    recent = queries.user_contributions(user_id)
    return render_template(
        "moderation/user.html",
        account=account,
        entries=entries,
        role_labels=ROLE_LABELS,
        grantable=services.GRANTABLE_ROLES,
        default_until=(datetime.now(PARIS).date() + timedelta(days=7)).isoformat(),
        recent=recent,
    )


def _end_of_day(value):
    try:
        day = date.fromisoformat(value or "")
    except ValueError as error:
        raise Invalid(
            _("Date de fin invalide."), fields={"until": [_("Date attendue (jj/mm/aaaa).")]}
        ) from error
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)


@bp.post("/utilisateurs/<int:user_id>/sanction")
@platform_moderators_only
@form_action("moderation.user")
def sanction(user_id):
    """Suspend until a date (inclusive), ban, or lift the sanction; always with a reason."""
    account = _get_user(user_id)
    action, reason = request.form.get("action"), request.form.get("reason")
    if action == "suspend":
        services.suspend_user(me(), account, _end_of_day(request.form.get("until")), reason)
    elif action == "ban":
        services.ban_user(me(), account, reason)
    elif action == "lift":
        services.lift_sanction(me(), account, reason)
    else:
        raise Invalid(_("Action inconnue."), fields={"action": [_("suspend, ban ou lift.")]})
    flash(str(SANCTION_DONE[action]), "success")
    return redirect(url_for("moderation.user", user_id=user_id))


@bp.post("/utilisateurs/<int:user_id>/role")
@admin_only
@form_action("moderation.user")
def role(user_id):
    """Grant a role (admins only)."""
    account = _get_user(user_id)
    services.set_role(me(), account, request.form.get("role"))
    flash(
        _("Rôle de %(pseudonym)s : %(role)s.", pseudonym=account.pseudonym, role=ROLE_LABELS[account.role]),
        "success",
    )
    return redirect(url_for("moderation.user", user_id=user_id))


@bp.get("/motifs")
@admin_only
def reasons():
    """The reject reasons offered to moderators (admins edit them)."""
    rows = db.session.scalars(select(RejectReason).order_by(RejectReason.position, RejectReason.id)).all()
    return render_template("moderation/reasons.html", reasons=rows)


@bp.post("/motifs")
@admin_only
@form_action("moderation.reasons")
def create_reason():
    """Add a reject reason."""
    services.create_reject_reason(me(), request.form.get("label"))
    flash(_("Motif ajouté."), "success")
    return redirect(url_for("moderation.reasons"))


@bp.post("/motifs/<int:reason_id>")
@admin_only
@form_action("moderation.reasons")
def update_reason(reason_id):
    """Rename, move or (de)activate a reject reason."""
    reason = db.session.get(RejectReason, reason_id)
    if reason is None:
        raise NotFound(_("Ce motif n'existe pas."))
    services.update_reject_reason(
        me(),
        reason,
        label=request.form.get("label"),
        active=request.form.get("active") == "1",
        position=form_int("position"),
    )
    flash(_("Motif enregistré."), "success")
    return redirect(url_for("moderation.reasons"))


@bp.get("/journal")
@admin_only
def audit():
    """The audit log, filterable (admins)."""
    args = load_args(AuditArgs)
    consultations = filter_options()["consultations"]
    consultation = next((c for c in consultations if c["slug"] == args["consultation"]), None)
    filters = queries.AuditFilters(
        actor=args["actor"],
        action=args["action"],
        target_type=args["target_type"],
        target_id=args["target_id"],
        consultation_id=consultation["id"] if consultation else None,
        date_from=args["date_from"],
        date_to=args["date_to"],
        after=queries.decode_audit_cursor(args["apres"]),
        before=None if args["apres"] else queries.decode_audit_cursor(args["avant"]),
    )
    entries, following, preceding = queries.audit_entries(filters)
    return render_template(
        "moderation/audit.html",
        args=args,
        entries=entries,
        next_cursor=following,
        previous_cursor=preceding,
        consultations=consultations,
        actions=queries.action_names(),
        roles=ROLES,
    )
