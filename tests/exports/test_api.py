"""POST/GET /api/exports: roles, validation, ownership, progress, downloads, expiry."""

from datetime import timedelta
from pathlib import Path

import pytest
from rq.job import Job

from app.consultations.models import utcnow
from app.exports.models import Export
from app.extensions import db, redis_connection
from tests.conftest import csrf_token, login
from tests.exports.conftest import auth

PAYLOAD = {"format": "csv", "consultation": "cite-12-14", "crs": "EPSG:2154"}


def test_anonymous_gets_401(client, export_data):
    response = client.post("/api/exports", json=PAYLOAD)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/exports/1").status_code == 401


@pytest.mark.parametrize("role", ["resident", "facilitator", "moderator"])
def test_other_roles_get_403(client, export_data, make_user, role):
    headers = auth(make_user(role=role))
    assert client.post("/api/exports", json=PAYLOAD, headers=headers).status_code == 403
    assert client.get("/api/exports", headers=headers).status_code == 403


@pytest.mark.parametrize("role", ["urbanist", "admin"])
def test_urbanists_and_admins_get_202_then_the_file(client, export_data, make_user, run_jobs, role):
    user = make_user(role=role)
    headers = auth(user)
    response = client.post("/api/exports", json=PAYLOAD, headers=headers)
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued" and body["progress"] == 0 and body["download_url"] is None
    assert body["id"] and body["job_id"] and body["format"] == "csv" and body["crs"] == "EPSG:2154"
    queued = client.get(f"/api/exports/{body['id']}", headers=headers).get_json()
    assert (queued["status"], queued["download_url"]) == ("queued", None)
    run_jobs(["exports"])
    done = client.get(f"/api/exports/{body['id']}", headers=headers).get_json()
    assert done["status"] == "finished" and done["progress"] == 100
    assert done["row_count"] == len(export_data["published"])
    assert done["download_url"].endswith(f"/exports/{body['id']}/fichier")
    job = Job.fetch(body["job_id"], connection=redis_connection())
    assert job.get_meta(refresh=True)["progress"] == 100 and job.get_status() == "finished"
    download = client.get(done["download_url"], headers=headers)
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in download.headers["Content-Disposition"]
    listed = client.get("/api/exports", headers=headers).get_json()
    assert [item["id"] for item in listed] == [body["id"]]


def test_session_post_needs_the_csrf_token(client, export_data):
    login(client, export_data["urbanist"])
    assert client.post("/api/exports", json=PAYLOAD).status_code == 400
    token = csrf_token(client)
    response = client.post("/api/exports", json=PAYLOAD, headers={"X-CSRFToken": token})
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"format": "shp", "consultation": "cite-12-14"}, "format"),
        ({"format": "csv", "consultation": "inconnue"}, "consultations"),
        ({"format": "csv"}, "consultations"),
        ({"format": "csv", "consultation": "cite-12-14", "crs": "EPSG:3857"}, "crs"),
        ({"format": "csv", "consultation": "cite-12-14", "statuses": ["merged"]}, "statuses"),
        ({"format": "csv", "consultation": "cite-12-14", "qpv": ["QP999999"]}, "qpv"),
        (
            {
                "format": "csv",
                "consultation": "cite-12-14",
                "date_from": "2026-05-02",
                "date_to": "2026-05-01",
            },
            "date_to",
        ),
        ({"format": "csv", "consultation": "cite-12-14", "separator": "|"}, "separator"),
    ],
)
def test_bad_input_is_422_with_french_fields_and_nothing_written(client, export_data, payload, field):
    headers = auth(export_data["urbanist"])
    response = client.post("/api/exports", json=payload, headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"], error
    db.session.expire_all()
    assert db.session.query(Export).count() == 0


def test_users_only_see_their_own_exports(client, export_data, make_user, run_jobs):
    owner = auth(export_data["urbanist"])
    export_id = client.post("/api/exports", json=PAYLOAD, headers=owner).get_json()["id"]
    run_jobs(["exports"])
    other = auth(make_user(role="urbanist"))
    assert client.get(f"/api/exports/{export_id}", headers=other).status_code == 404
    assert client.get(f"/exports/{export_id}/fichier", headers=other).status_code == 404
    assert client.get("/api/exports", headers=other).get_json() == []
    anonymous = client.get(f"/exports/{export_id}/fichier", headers={"Accept": "application/json"})
    assert anonymous.status_code == 401


def test_too_many_running_exports_is_409(client, export_data):
    headers = auth(export_data["urbanist"])
    for _ in range(3):
        assert client.post("/api/exports", json=PAYLOAD, headers=headers).status_code == 202
    response = client.post("/api/exports", json=PAYLOAD, headers=headers)
    assert response.status_code == 409 and "en cours" in response.get_json()["error"]["message"]


def test_progress_comes_from_the_job_meta_while_running(client, export_data):
    headers = auth(export_data["urbanist"])
    body = client.post("/api/exports", json=PAYLOAD, headers=headers).get_json()
    export = db.session.get(Export, body["id"])
    export.status = "started"
    db.session.flush()
    job = Job.fetch(body["job_id"], connection=redis_connection())
    job.meta["progress"] = 42
    job.save_meta()
    state = client.get(f"/api/exports/{body['id']}", headers=headers).get_json()
    assert (state["status"], state["progress"]) == ("started", 42)


def test_expired_exports_are_refused_then_purged_by_the_job(client, app, export_data, run_jobs):
    from app.exports.tasks import purge_expired_exports

    headers = auth(export_data["urbanist"])
    export_id = client.post("/api/exports", json=PAYLOAD, headers=headers).get_json()["id"]
    run_jobs(["exports"])
    export = db.session.get(Export, export_id)
    db.session.refresh(export)
    path = Path(app.config["EXPORT_DIR"]) / export.file_path
    assert path.is_file()
    export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()  # the 404 below rolls the shared session back
    assert client.get(f"/exports/{export_id}/fichier", headers=headers).status_code == 404
    assert client.get(f"/api/exports/{export_id}", headers=headers).get_json()["download_url"] is None
    assert purge_expired_exports() == 1
    db.session.refresh(export)
    assert export.status == "expired" and export.file_path is None and not path.exists()


def test_failed_job_is_reported(client, export_data, run_jobs, monkeypatch):
    from app.exports.writers import csv_writer

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(csv_writer, "write", broken)
    headers = auth(export_data["urbanist"])
    export_id = client.post("/api/exports", json=PAYLOAD, headers=headers).get_json()["id"]
    run_jobs(["exports"])
    state = client.get(f"/api/exports/{export_id}", headers=headers).get_json()
    assert state["status"] == "failed" and state["download_url"] is None
    assert "échoué" in state["error"]


def test_purge_command(app, client, export_data, run_jobs):
    headers = auth(export_data["urbanist"])
    export_id = client.post("/api/exports", json=PAYLOAD, headers=headers).get_json()["id"]
    run_jobs(["exports"])
    export = db.session.get(Export, export_id)
    db.session.refresh(export)
    export.expires_at = utcnow() - timedelta(days=1)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["exports", "purge"])
    assert result.exit_code == 0 and "1 export(s) expiré(s)" in result.output
    db.session.refresh(export)
    assert export.status == "expired"
