"""A work horse killed (SIGKILL) in the middle of an export: the export is failed with a French
message, its partial files removed and its slot freed within a minute, by the running worker."""

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from app.exports.models import Export
from app.extensions import db, get_queue
from tests.conftest import bearer
from tests.resilience.conftest import start_worker, wait_until


def _export_row(export_id):
    db.session.expire_all()
    row = db.session.get(Export, export_id)
    db.session.commit()
    return row


def _jobs():
    rows = db.session.execute(text("SELECT job_id, dispatched_at, last_error FROM job_outbox")).all()
    db.session.commit()
    return f"outbox {rows}, queue {get_queue('exports').job_ids}"


@pytest.mark.committed
def test_killed_work_horse_fails_the_export_removes_its_files_and_frees_the_slot(
    app, client, make_user, make_consultation, tmp_path
):
    urbanist = make_user(role="urbanist")
    consultation = make_consultation()
    headers = bearer(urbanist)
    payload = {"format": "csv", "consultations": [consultation.slug]}
    ids = []
    for _ in range(3):
        response = client.post("/api/exports", json=payload, headers=headers)
        assert response.status_code == 202, response.get_json()
        ids.append(response.get_json()["id"])
    assert client.post("/api/exports", json=payload, headers=headers).status_code == 409  # 3 slots taken
    for export_id in ids:  # files left by an earlier run of this test (ids restart at 1)
        shutil.rmtree(Path(app.config["EXPORT_DIR"]) / str(export_id), ignore_errors=True)

    worker = start_worker(
        app, tmp_path / "worker.log", "--queues", "exports", "--no-scheduler", EXPORT_TEST_SLOW_SECONDS=120
    )
    try:
        folder = Path(app.config["EXPORT_DIR"]) / str(ids[0])
        pid_file = folder / "horse.pid"
        wait_until(
            pid_file.exists, 60, lambda: f"the export job never started ({_jobs()}):\n" + worker.output()
        )
        horse = int(pid_file.read_text())
        assert horse != worker.pid
        assert list(folder.glob("*.part.*")), "the job left no partial file"
        assert _export_row(ids[0]).status == "started"

        os.kill(horse, signal.SIGKILL)
        killed_at = time.monotonic()
        row = wait_until(
            lambda: (r := _export_row(ids[0])).status == "failed" and r,
            60,
            lambda: "the export stayed « started » after its work horse died:\n" + worker.output(),
        )
        assert time.monotonic() - killed_at < 60
        assert "interrompu" in row.error and "Relancez" in row.error
        assert not folder.exists(), "partial files left behind"
        response = client.get(f"/api/exports/{ids[0]}", headers=headers)
        assert response.get_json()["status"] == "failed"
        # Its slot is free: a new export is accepted (the two others are still queued or running).
        again = client.post("/api/exports", json=payload, headers=headers)
        assert again.status_code == 202, again.get_json()
        assert worker.alive(), "the worker died with its work horse"
    finally:
        worker.stop()
