"""JSON API: /api/exports (urbanists and admins; session or personal token)."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from app.accounts.auth import require_login
from app.errors import Forbidden
from app.exports import queries, services
from app.exports.schemas import ExportRequestSchema, ExportSchema

blp = Blueprint("exports_api", __name__, url_prefix="/api/exports", description="Exports des contributions")


def require_urbanist():
    """The signed-in urbanist or admin; 401 for anonymous callers, 403 for other roles."""
    user = require_login()
    if not user.has_role("urbanist"):
        raise Forbidden(_("Les exports sont réservés aux urbanistes et aux administrateurs."))
    return user


def check_api_caller():
    """App-level before_request (runs before the CSRF check and the body parsing): 401 / 403 first."""
    if request.blueprint == blp.name:
        require_urbanist()


def export_payload(export):
    """An export as the API shows it, with live progress and the download link once ready."""
    status, progress = queries.live_state(export)
    data = {name: getattr(export, name) for name in ExportSchema().fields if hasattr(export, name)}
    data.update(
        status=status,
        progress=progress,
        status_url=url_for("exports_api.get_export", export_id=export.id, _external=True),
        download_url=(
            url_for("exports.download", export_id=export.id, _external=True)
            if queries.is_downloadable(export)
            else None
        ),
    )
    return data


@blp.route("", methods=["POST"])
@blp.arguments(ExportRequestSchema)
@blp.response(202, ExportSchema)
def create_export(args):
    """Queue an export (CSV, XLSX, GeoJSON or GeoPackage) of one or more consultations."""
    export = services.request_export(current_user, args)
    return export_payload(export)


@blp.route("", methods=["GET"])
@blp.response(200, ExportSchema(many=True))
def list_exports():
    """The caller's own exports, newest first."""
    return [export_payload(export) for export in queries.user_exports(current_user)]


@blp.route("/<int:export_id>", methods=["GET"])
@blp.response(200, ExportSchema)
def get_export(export_id):
    """Status, progress and download link of one of the caller's exports."""
    return export_payload(queries.get_user_export(current_user, export_id))
