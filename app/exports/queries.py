"""Reads on exports: a user's download list, one export with its live progress, form choices."""

from flask import current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import select, text, true

from app.consultations.models import Consultation, consultation_qpvs, utcnow
from app.consultations.staff import check, scope_ids
from app.errors import NotFound
from app.exports.models import Export
from app.extensions import db, redis_connection
from app.territory.models import Qpv, Theme


def _within_scope(user):
    """SQL condition: exports whose consultations the user may still export (an ended assignment
    takes its exports out of the list and of the downloads)."""
    allowed = scope_ids(user, "export")
    if allowed is None:
        return true()
    # Every id of params->consultation_ids is in `allowed`: jsonb containment the other way round.
    condition = "to_jsonb(CAST(:allowed_ids AS integer[])) @> (exports.params -> 'consultation_ids')"
    return text(condition).bindparams(allowed_ids=allowed)


def user_exports(user, limit=30):
    """The user's latest exports of consultations they may still export, newest first."""
    return db.session.scalars(
        select(Export)
        .where(Export.user_id == user.id, _within_scope(user))
        .order_by(Export.created_at.desc(), Export.id.desc())
        .limit(limit)
    ).all()


def get_user_export(user, export_id):
    """The user's own export, or NotFound (other people's exports do not exist for them); Forbidden
    once the user may no longer export one of its consultations."""
    export = db.session.get(Export, export_id)
    if export is None or export.user_id != user.id:
        raise NotFound(_("Cet export n'existe pas."))
    for consultation_id in export.params.get("consultation_ids") or ():
        check(user, "export", consultation_id)
    return export


def live_state(export):
    """(status, progress) of an export: the row, refined by the RQ job while it runs."""
    if export.status not in ("queued", "started") or not export.job_id:
        return export.status, export.progress
    try:
        job = Job.fetch(export.job_id, connection=redis_connection())
        if job.get_status() == "failed":
            return "failed", export.progress
        progress = job.get_meta(refresh=True).get("progress", export.progress)
    except (NoSuchJobError, RedisError):  # not handed to RQ yet, or Redis away: the row says it
        return export.status, export.progress
    return export.status, max(int(progress or 0), export.progress)


def is_downloadable(export, now=None):
    return (
        export.status == "finished"
        and export.file_path is not None
        and (export.expires_at is None or export.expires_at > (now or utcnow()))
    )


def file_path(export):
    """Absolute path of an export's file (inside EXPORT_DIR)."""
    from pathlib import Path

    root = Path(current_app.config["EXPORT_DIR"]).resolve()
    path = (root / export.file_path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(_("Le fichier de cet export n'est plus disponible."))
    return path


def form_choices(user):
    """The consultations of the served territory `user` may export, their QPV and the themes offered."""
    from app.territory.identity import in_territory

    allowed = scope_ids(user, "export")
    consultations = (
        select(Consultation).where(in_territory(Consultation.territory)).order_by(Consultation.title)
    )
    if allowed is not None:
        consultations = consultations.where(Consultation.id.in_(allowed))
    consultations = db.session.scalars(consultations).all()
    own = select(consultation_qpvs.c.qpv_code).where(
        consultation_qpvs.c.consultation_id.in_([c.id for c in consultations])
    )
    qpvs = db.session.scalars(select(Qpv).where(Qpv.code.in_(own)).order_by(Qpv.name)).all()
    themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    return {"consultations": consultations, "qpvs": qpvs, "themes": themes}
