"""RQ jobs of the exports queue: produce one export, purge the expired ones."""

from contextlib import contextmanager

from flask import current_app, has_app_context
from rq import get_current_job

from app.exports import services
from app.exports.models import Export
from app.extensions import db

FAILURE_MESSAGE = "L'export a échoué. Réessayez ; si le problème persiste, prévenez l'administrateur."


@contextmanager
def _app_context():
    # worker.py runs jobs inside the app context; a plain `rq worker` does not.
    if has_app_context():
        yield
        return
    from app import create_app

    with create_app().app_context():
        yield


def run_export(export_id):
    """Produce export `export_id` (status, progress in job.meta and on the row, file)."""
    with _app_context():
        export = db.session.get(Export, export_id)
        if export is None or export.status not in ("queued", "started"):
            return None
        job = get_current_job()
        services.mark_started(export, job.id if job else None)
        if job is not None:
            job.meta["progress"] = 0
            job.save_meta()
        db.session.commit()
        try:
            services.produce_export(export)
        except Exception:
            current_app.logger.exception("Export %s failed", export_id)
            db.session.rollback()
            services.mark_failed(db.session.get(Export, export_id), FAILURE_MESSAGE)
            db.session.commit()
            raise
        db.session.commit()
        if job is not None:
            job.meta["progress"] = 100
            job.save_meta()
        return {"rows": export.row_count, "size": export.file_size}


def purge_expired_exports():
    """Delete the files of exports past their retention period."""
    with _app_context():
        count = services.purge_expired_exports()
        db.session.commit()
        return count
