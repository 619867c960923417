"""RQ jobs of the exports queue: produce one export, purge the expired ones."""

import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from rq import get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import select

from app.accounts.models import User
from app.exports import services
from app.exports.models import Export
from app.extensions import db, redis_connection
from app.i18n import recipient_locale_code

FAILURE_MESSAGE = _l("L'export a échoué. Réessayez ; si le problème persiste, prévenez l'administrateur.")
KILLED_MESSAGE = _l(
    "L'export a été interrompu (le processus de traitement s'est arrêté) ; ses fichiers partiels ont été "
    "supprimés. Relancez-le ; si le problème persiste, prévenez l'administrateur."
)
DEAD_STATUSES = ("failed", "stopped", "canceled")


@contextmanager
def _app_context():
    # worker.py runs jobs inside the app context; a plain `rq worker` does not.
    if has_app_context():
        yield
        return
    from app import create_app

    with create_app().app_context():
        yield


def _requester_locale(export):
    # The summary sheet and the failure message are read by the person who asked for the export.
    return recipient_locale_code(db.session.get(User, export.user_id))


def run_export(export_id):
    """Produce export `export_id` (status, progress in job.meta and on the row, file)."""
    with _app_context():
        export = db.session.get(Export, export_id)
        if export is None or export.status not in ("queued", "started"):
            return None
        with force_locale(_requester_locale(export)):
            return _run_export(export_id, export)


def _run_export(export_id, export):
    """The export's work, in the requester's language."""
    job = get_current_job()
    services.mark_started(export, job.id if job else None)
    if job is not None:
        job.meta["progress"] = 0
        job.save_meta()
    db.session.commit()
    _pause_for_tests(export_id)
    try:
        services.produce_export(export)
    except Exception:
        current_app.logger.exception("Export %s failed", export_id)
        db.session.rollback()
        services.mark_failed(db.session.get(Export, export_id), str(FAILURE_MESSAGE))
        db.session.commit()
        raise
    db.session.commit()
    if job is not None:
        job.meta["progress"] = 100
        job.save_meta()
    return {"rows": export.row_count, "size": export.file_size}


def _pause_for_tests(export_id):
    # Test hook (EXPORT_TEST_SLOW_SECONDS, off by default): the job leaves a partial file, writes
    # its work horse's pid and sleeps, so that a test can kill the horse half-way through.
    seconds = current_app.config.get("EXPORT_TEST_SLOW_SECONDS") or 0
    if not seconds:
        return
    folder = Path(current_app.config["EXPORT_DIR"]) / str(export_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"export-{export_id}.part.csv").write_text("id;titre\n1;Un banc\n")
    (folder / "horse.pid").write_text(str(os.getpid()))
    time.sleep(seconds)


def purge_expired_exports():
    """Delete the files of exports past their retention period."""
    with _app_context():
        count = services.purge_expired_exports()
        db.session.commit()
        return count


def fail_dead_export(export_id, message=KILLED_MESSAGE):
    """Mark an export whose job died failed, remove its partial files (its slot is free); True if done."""
    export = db.session.execute(
        select(Export).where(Export.id == export_id).with_for_update()
    ).scalar_one_or_none()
    if export is None or export.status not in ("queued", "started"):
        db.session.commit()
        return False
    with force_locale(_requester_locale(export)):
        services.mark_failed(export, str(message))
    db.session.commit()
    shutil.rmtree(Path(current_app.config["EXPORT_DIR"]) / str(export_id), ignore_errors=True)
    current_app.logger.warning("Export %s: job mort, marqué en échec et fichiers supprimés", export_id)
    return True


def reap_dead_exports(limit=100):
    """Running exports whose RQ job died (work horse killed, job failed or stopped): failed; ids."""
    running = db.session.execute(
        select(Export.id, Export.job_id)
        .where(Export.status.in_(("queued", "started")), Export.job_id.is_not(None))
        .order_by(Export.id)
        .limit(limit)
    ).all()
    db.session.commit()
    reaped = []
    for export_id, job_id in running:
        try:
            status = Job.fetch(job_id, connection=redis_connection()).get_status()
        except NoSuchJobError:
            continue  # not handed to RQ yet (outbox), or forgotten: the outbox relay hands it again
        except RedisError:
            return reaped
        if status in DEAD_STATUSES and fail_dead_export(export_id):
            reaped.append(export_id)
    return reaped
