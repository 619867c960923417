"""Export use cases: request (validate, record, queue), produce the file, finish/fail, purge."""

import hashlib
import hmac
import os
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from sqlalchemy import func, select

from app.consultations.models import Consultation, utcnow
from app.consultations.staff import check
from app.errors import Conflict, Invalid
from app.exports import sql
from app.exports.models import EXPORT_CRS, EXPORT_FORMATS, Export
from app.exports.stream import Progress, scalar
from app.exports.urls import contribution_page_prefix
from app.exports.writers import EXTENSIONS, WRITERS
from app.exports.writers.xlsx_writer import MAX_ROWS
from app.extensions import db, redis_connection
from app.jobs import enqueue_after_commit
from app.templating import PARIS, paris_date
from app.territory.models import Qpv, Theme

MAX_ACTIVE_EXPORTS = 3
JOB_TIMEOUT = 3 * 3600
STATUS_LABELS = {
    "published": "publiées",
    "pending": _l("en attente"),
    "rejected": "refusées",
    "hidden": "masquées",
}


def request_export(user, data, enqueue=True):
    """Validate the parameters, record the Export and queue its job (after the commit)."""
    params = clean_params(data)
    for consultation_id in params["consultation_ids"]:
        check(user, "export", consultation_id)
    _check_active_exports(user)
    export = Export(user_id=user.id, format=data["format"], crs=data.get("crs") or "EPSG:4326", params=params)
    selection = selection_for(export)
    estimated = scalar(sql.count_contributions(selection), sql.base_params(selection))
    if export.format == "xlsx" and estimated > MAX_ROWS:
        raise Invalid(
            _(
                "Un classeur XLSX ne peut pas contenir plus de %(max_rows)s lignes : choisissez CSV ou "
                "GeoPackage, ou filtrez davantage.",
                max_rows=MAX_ROWS,
            ),
            fields={"format": [_("Trop de lignes pour un classeur XLSX.")]},
        )
    export.params = {**params, "estimated_rows": estimated}
    db.session.add(export)
    db.session.flush()
    if enqueue:
        enqueue_export(export)
    return export


def enqueue_export(export):
    """Queue the export's job on the exports queue (after the commit)."""
    export.job_id = enqueue_after_commit(
        "exports", "app.exports.tasks.run_export", export.id, job_timeout=JOB_TIMEOUT
    )
    _schedule_purge()
    db.session.flush()


def clean_params(data):
    """The stored parameters of an export, or Invalid with French messages per field."""
    if data.get("format") not in EXPORT_FORMATS:
        raise Invalid(fields={"format": [_("Format inconnu : csv, xlsx, geojson ou gpkg.")]})
    if (data.get("crs") or "EPSG:4326") not in EXPORT_CRS:
        raise Invalid(fields={"crs": [_("Système de coordonnées inconnu : EPSG:4326 ou EPSG:2154.")]})
    slugs = list(dict.fromkeys(data.get("consultations") or []))
    if not slugs:
        raise Invalid(fields={"consultations": [_("Choisissez au moins une concertation.")]})
    found = dict(
        db.session.execute(
            select(Consultation.slug, Consultation.id).where(Consultation.slug.in_(slugs))
        ).all()
    )
    fields = {}
    if missing := [slug for slug in slugs if slug not in found]:
        fields["consultations"] = [f"Concertation inconnue : {', '.join(missing)}."]
    qpv = _known(Qpv.code, data.get("qpv"), fields, "qpv", _("Code QPV inconnu"))
    themes = _known(Theme.slug, data.get("themes"), fields, "themes", _("Thème inconnu"))
    statuses = list(dict.fromkeys(data.get("statuses") or ["published"]))
    if any(status not in sql.EXPORT_STATUSES for status in statuses):
        fields["statuses"] = [_("Statuts possibles : published, pending, rejected, hidden.")]
    date_from, date_to = data.get("date_from"), data.get("date_to")
    if date_from and date_to and date_from > date_to:
        fields["date_to"] = [_("La date de fin précède la date de début.")]
    if fields:
        raise Invalid(fields=fields)
    return {
        "consultations": slugs,
        "consultation_ids": [found[slug] for slug in slugs],
        "qpv": qpv,
        "themes": themes,
        "statuses": statuses,
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
        "separator": data.get("separator") or ";",
    }


def _known(column, values, fields, name, message):
    values = list(dict.fromkeys(values or []))
    if not values:
        return []
    known = set(db.session.scalars(select(column).where(column.in_(values))))
    if unknown := [value for value in values if value not in known]:
        fields[name] = [f"{message} : {', '.join(unknown)}."]
    return values


def _check_active_exports(user):
    active = db.session.scalar(
        select(func.count())
        .select_from(Export)
        .where(
            Export.user_id == user.id,
            Export.status.in_(("queued", "started")),
            Export.created_at > utcnow() - timedelta(hours=6),
        )
    )
    if active >= MAX_ACTIVE_EXPORTS:
        raise Conflict(
            _(
                "Vous avez déjà %(active)s exports en cours : attendez qu'ils se terminent avant d'en "
                "lancer un autre.",
                active=active,
            )
        )


def _schedule_purge():
    # At most one clean-up job per hour, piggybacking on export requests (the worker's cron also runs it).
    try:
        due = redis_connection().set("exports:purge-scheduled", 1, nx=True, ex=3600)
    except RedisError:  # Redis away: the export itself is recorded (outbox), the purge can wait
        return
    if due:
        enqueue_after_commit("exports", "app.exports.tasks.purge_expired_exports")


def anonymous_salt():
    """Secret salt of the anonymous author ids (stable for one deployment)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"carte-commune:export-anonymous-id", hashlib.sha256).hexdigest()


def selection_for(export):
    """The SQL selection of an export (filters, CRS, salt and URL prefixes)."""
    params = export.params or {}
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return sql.Selection(
        consultation_ids=tuple(params.get("consultation_ids") or ()),
        statuses=tuple(params.get("statuses") or ("published",)),
        qpv_codes=tuple(params.get("qpv") or ()),
        themes=tuple(params.get("themes") or ()),
        date_from=date.fromisoformat(params["date_from"]) if params.get("date_from") else None,
        date_to=date.fromisoformat(params["date_to"]) if params.get("date_to") else None,
        srid=sql.SRIDS[export.crs or "EPSG:4326"],
        extra={
            "salt": anonymous_salt(),
            "media_url": f"{base}/media/",
            "page_url": base + contribution_page_prefix(),
        },
    )


def produce_export(export):
    """Write the export's file (streaming) and mark it finished; flushes, the caller commits."""
    selection = selection_for(export)
    params = sql.base_params(selection)
    counts = {
        "contributions": scalar(sql.count_contributions(selection), params),
        "comments": scalar(sql.count_comments(selection), params),
    }
    writer = WRITERS[export.format]
    progress = Progress(export.id, writer.total_rows(selection, counts))
    relative = Path(str(export.id)) / file_name(export)
    target = Path(current_app.config["EXPORT_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.stem}.part{target.suffix}")  # GDAL wants the .gpkg suffix
    options = {"separator": export.params.get("separator", ";"), "description": describe(export, counts)}
    try:
        rows = writer.write(str(partial), selection, options, progress)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    mark_finished(export, str(relative), target.stat().st_size, rows)
    return export


def file_name(export):
    slugs = export.params.get("consultations") or []
    scope = slugs[0] if len(slugs) == 1 else "concertations"
    stamp = (export.created_at or utcnow()).astimezone(PARIS).strftime("%Y%m%d-%H%M")
    return f"contributions-{scope}-{stamp}-{export.id}.{EXTENSIONS[export.format]}"


def describe(export, counts):
    """(label, value) lines describing the export, for the summary sheet."""
    params = export.params
    titles = db.session.scalars(
        select(Consultation.title).where(Consultation.id.in_(params.get("consultation_ids") or []))
    ).all()
    until = params.get("date_to") or _("aujourd'hui")
    period = f"{params.get('date_from') or _('début')} → {until}"
    return [
        (_("Concertations"), " ; ".join(titles)),
        (_("Quartiers (QPV)"), ", ".join(params.get("qpv") or []) or _("tous")),
        (_("Thèmes"), ", ".join(params.get("themes") or []) or _("tous")),
        (_("Statuts"), ", ".join(str(STATUS_LABELS.get(s, s)) for s in params.get("statuses") or [])),
        (_("Période (dates de dépôt)"), period),
        (
            _("Système de coordonnées"),
            _("Lambert-93 (EPSG:2154)") if export.crs == "EPSG:2154" else _("WGS84 (EPSG:4326)"),
        ),
        (_("Généré le"), paris_date(utcnow(), with_time=True)),
        (_("Contributions"), counts["contributions"]),
        (_("Commentaires publiés"), counts["comments"]),
        (
            _("Données personnelles"),
            _(
                "Aucune adresse e-mail ni coordonnée de participant. Auteurs : pseudonymes si la "
                "concertation l'autorise, sinon identifiants anonymes stables."
            ),
        ),
    ]


def mark_started(export, job_id=None):
    export.status = "started"
    export.job_id = job_id or export.job_id
    export.progress = 0
    db.session.flush()


def mark_finished(export, relative_path, size, rows):
    now = utcnow()
    export.status = "finished"
    export.progress = 100
    export.file_path = relative_path
    export.file_size = size
    export.row_count = rows
    export.finished_at = now
    export.expires_at = now + timedelta(days=current_app.config["EXPORT_RETENTION_DAYS"])
    db.session.flush()


def mark_failed(export, message):
    export.status = "failed"
    export.error = message
    export.finished_at = utcnow()
    db.session.flush()


def purge_expired_exports(now=None):
    """Delete the files of expired exports (rows kept as « expiré »); returns how many."""
    now = now or utcnow()
    expired = db.session.scalars(
        select(Export).where(Export.status == "finished", Export.expires_at <= now)
    ).all()
    root = Path(current_app.config["EXPORT_DIR"])
    for export in expired:
        if export.file_path:
            path = root / export.file_path
            path.unlink(missing_ok=True)
            if path.parent != root and path.parent.exists() and not any(path.parent.iterdir()):
                path.parent.rmdir()
        export.status = "expired"
        export.file_path = None
    db.session.flush()
    return len(expired)
