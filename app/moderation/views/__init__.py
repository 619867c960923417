"""Back office under /moderation: moderators (platform-wide or assigned to a consultation) and admins."""

from flask import Blueprint, session
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in

from app.consultations.staff import assigned_roles, may_somewhere
from app.errors import Forbidden
from app.extensions import login_manager

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


@bp.before_request
def _staff_only():
    # Anonymous: sent to the login page (HTML) or 401 (JSON); other roles: 403.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not may_somewhere(current_user, "moderate"):  # platform-wide, or assigned to a consultation
        raise Forbidden(_("Cet espace est réservé à l'équipe de modération."))
    return None


ASSIGNED_FLAG = "assigned_roles"


@user_logged_in.connect
def _remember_assignments(sender, user, **extra):
    # Read by the navigation on every page: kept in the session at sign-in, no query per page.
    session[ASSIGNED_FLAG] = sorted(assigned_roles(user))


@bp.app_context_processor
def _assigned():
    def assigned(role):
        return current_user.is_authenticated and role in session.get(ASSIGNED_FLAG, ())

    return {"assigned": assigned}


@bp.context_processor
def _labels():
    from app.moderation.queries.lists import ACTION_LABELS
    from app.moderation.views.helpers import take_undo_notice

    return {"action_labels": ACTION_LABELS, "undo_notice": take_undo_notice}


from app.moderation.views import admin, comments, contributions, inbox  # noqa: E402, F401
