"""Export page for urbanists and admins: the form, the download list, direct small downloads."""

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from app.consultations.staff import requires
from app.errors import Conflict, Invalid, NotFound
from app.exports import queries, services
from app.exports.schemas import ExportRequestSchema
from app.exports.sql import EXPORT_STATUSES
from app.exports.writers import MIMETYPES

bp = Blueprint("exports", __name__)
DIRECT_MAX_ROWS = 5000  # small exports are produced in the request and downloaded at once
LIST_FIELDS = ("consultations", "qpv", "themes", "statuses")


@bp.get("/exports")
@requires("export")
def index():
    return render_template(
        "exports/index.html",
        choices=queries.form_choices(current_user),
        exports=queries.user_exports(current_user),
        statuses=EXPORT_STATUSES,
        direct_max=DIRECT_MAX_ROWS,
    )


@bp.get("/exports/liste")
@requires("export")
def export_list():
    """The download list alone (refreshed by the page's script)."""
    return render_template("exports/_list.html", exports=queries.user_exports(current_user))


@bp.post("/exports")
@requires("export")
def create():
    """Form without JavaScript: small exports download at once, the others go to the worker."""
    data = {key: request.form.getlist(key) for key in LIST_FIELDS}
    data.update(
        {key: request.form.get(key) for key in ("format", "crs", "separator", "date_from", "date_to")}
    )
    try:
        args = ExportRequestSchema().load(data)
    except ValidationError as error:
        raise Invalid(fields=error.messages) from error
    export = services.request_export(current_user, args, enqueue=False)
    if export.params["estimated_rows"] <= DIRECT_MAX_ROWS:
        services.produce_export(export)
        return _send(export)
    services.enqueue_export(export)
    flash(_("Export lancé : il apparaîtra dans la liste dès qu'il sera prêt."), "success")
    return redirect(url_for("exports.index"))


@bp.get("/exports/<int:export_id>/fichier")
@requires("export")
def download(export_id):
    """The file of one of the user's own exports, while it is kept."""
    export = queries.get_user_export(current_user, export_id)
    if export.status in ("queued", "started"):
        raise Conflict(_("Cet export n'est pas encore prêt."))
    if not queries.is_downloadable(export):
        raise NotFound(_("Cet export a expiré ou n'a pas abouti : relancez-le."))
    return _send(export)


def _send(export):
    path = queries.file_path(export)
    return send_file(path, mimetype=MIMETYPES[export.format], as_attachment=True, download_name=path.name)
