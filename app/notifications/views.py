"""Pages: notifications, what I follow, mail preferences; follow buttons; one-click unsubscribe."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.errors import AppError
from app.extensions import db
from app.notifications import queries, services
from app.notifications.mails import read_token
from app.notifications.models import KINDS, MODE_LABELS, MODES

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
TARGET_LABELS = {"contribution": _l("Idées"), "consultation": _l("Concertations"), "qpv": _l("Quartiers")}


def _back(default):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect(default)


@bp.get("")
@login_required
def index():
    return render_template(
        "notifications/index.html",
        notifications=queries.list_notifications(current_user),
        unread=queries.unread_count(current_user),
    )


@bp.post("/lues")
@login_required
def mark_read():
    services.mark_all_read(current_user)
    flash(_("Toutes vos notifications sont marquées comme lues."), "success")
    return redirect(url_for("notifications.index"))


@bp.get("/suivis")
@login_required
def follows():
    return render_template(
        "notifications/follows.html", follows=queries.list_follows(current_user), labels=TARGET_LABELS
    )


@bp.post("/suivre")
@login_required
def follow():
    target_type, key = request.form.get("target_type", ""), request.form.get("target_key", "")
    try:
        services.follow(current_user, target_type, key)
        flash(_("C'est noté : vous serez prévenu(e) de ce qui s'y passe."), "success")
    except AppError as error:
        db.session.rollback()
        flash(error.message, "error")
    return _back(url_for("notifications.follows"))


@bp.post("/ne-plus-suivre")
@login_required
def unfollow():
    try:
        services.unfollow(
            current_user, request.form.get("target_type", ""), request.form.get("target_key", "")
        )
        flash(_("Vous ne suivez plus ce sujet."), "success")
    except AppError as error:
        db.session.rollback()
        flash(error.message, "error")
    return _back(url_for("notifications.follows"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    if request.method == "POST":
        try:
            services.set_preferences(current_user, {k: request.form[k] for k in KINDS if k in request.form})
            flash(_("Vos préférences sont enregistrées."), "success")
            return redirect(url_for("notifications.preferences"))
        except AppError as error:
            db.session.rollback()
            flash(error.message, "error")
    return render_template(
        "notifications/preferences.html",
        prefs=queries.preferences(current_user),
        modes=MODES,
        mode_labels=MODE_LABELS,
    )


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    """RFC 8058: a POST with the signed token stops the mails, without a session or a form token."""
    data = read_token(token)
    if data is None:
        return render_template("notifications/unsubscribe.html", invalid=True), 404
    user_id, kind = data
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", invalid=False, kind=kind, kinds=KINDS)
    stopped = services.unsubscribe(user_id, kind)
    return render_template("notifications/unsubscribed.html", stopped=[KINDS[k][0] for k in stopped])
