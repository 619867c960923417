"""Back office under /moderation: moderators and admins only (checked once for every route)."""

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import Forbidden
from app.extensions import login_manager

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


@bp.before_request
def _staff_only():
    # Anonymous: sent to the login page (HTML) or 401 (JSON); other roles: 403.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role("moderator"):
        raise Forbidden(_("Cet espace est réservé à l'équipe de modération."))
    return None


@bp.context_processor
def _labels():
    from app.moderation.queries.lists import ACTION_LABELS

    return {"action_labels": ACTION_LABELS}


from app.moderation.views import admin, comments, contributions, inbox  # noqa: E402, F401
