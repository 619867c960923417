"""Exports run by the real forking worker process (worker.py), and the page's progress bar in a browser."""

import os
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from app.exports.models import Export
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def run_worker(app):
    """A forking RQ worker process (`rq worker --burst exports`) on the test database, Redis and folder.

    RQ's own command, not worker.py: the jobs must also work in a worker that did not create the app."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "EXPORT_DIR": app.config["EXPORT_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
    }
    rq = str(Path(sys.executable).with_name("rq"))
    command = [rq, "worker", "--burst", "--url", app.config["REDIS_URL"], "exports"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.committed
def test_the_worker_process_produces_a_geopackage(app, client, committed_data, tmp_path):
    headers = committed_data["headers"]
    payload = {"format": "gpkg", "consultation": "cite-12-14", "crs": "EPSG:2154"}
    export_id = client.post("/api/exports", json=payload, headers=headers).get_json()["id"]
    result = run_worker(app)
    assert result.returncode == 0, result.stderr[-2000:]
    state = client.get(f"/api/exports/{export_id}", headers=headers).get_json()
    assert (state["status"], state["progress"], state["row_count"]) == ("finished", 100, 23)
    path = tmp_path / "export.gpkg"
    path.write_bytes(client.get(state["download_url"], headers=headers).data)
    info = pyogrio.read_info(path, layer="contributions_points")
    assert (info["features"], info["crs"]) == (23, "EPSG:2154")
    db.session.expire_all()
    export = db.session.get(Export, export_id)
    assert export.job_id and export.file_size == path.stat().st_size


@pytest.mark.committed
def test_progress_bar_then_download_link_in_the_browser(
    app, page, live_server, committed_data, run_jobs, artifacts
):
    from flask.sessions import SecureCookieSessionInterface

    user = committed_data["urbanist"]
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.add_cookies([{"name": "session", "value": cookie, "url": live_server.url}])
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(f"{live_server.url}/exports")
    page.screenshot(path=artifacts / "exports-page-phone.png", full_page=True)
    page.get_by_label("Cité 12/14").check()
    page.get_by_label("GeoPackage", exact=False).check()
    page.get_by_role("button", name="Lancer l'export").click()
    page.locator("#export-progress").wait_for(state="visible")
    assert "file d'attente" in page.locator("#export-status").inner_text()
    run_jobs(["exports"])
    page.locator("#export-download").wait_for(state="visible")
    assert page.locator("#export-bar").get_attribute("value") == "100"
    assert page.locator("#export-download").get_attribute("href").endswith("/fichier")
    page.locator("#export-list").get_by_text("Prêt").wait_for()
    page.screenshot(path=artifacts / "exports-ready-phone.png", full_page=True)
    with page.expect_download() as download:
        page.locator("#export-download").click()
    assert download.value.suggested_filename.endswith(".gpkg")
