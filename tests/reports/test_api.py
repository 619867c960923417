"""POST /api/reports and GET /api/reports/<id>: roles, validation, job id, status, figures, PDF."""

from app.extensions import db, get_queue
from app.reports.models import Report
from tests.conftest import bearer, csrf_token, login


def test_requires_a_reader_role(client, make_user, make_consultation):
    consultation = make_consultation()
    anonymous = client.post(
        "/api/reports", json={"consultation": consultation.slug}, headers={"Authorization": "Bearer x"}
    )
    assert anonymous.status_code == 401
    assert client.get("/api/reports/1").status_code == 401
    resident = make_user()
    response = client.post("/api/reports", json={"consultation": consultation.slug}, headers=bearer(resident))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert db.session.query(Report).count() == 0


def test_validation_in_french(client, make_user, make_consultation):
    consultation = make_consultation()
    headers = bearer(make_user(role="urbanist"))
    for body in ({}, {"consultation": consultation.slug, "qpv": "QP062024"}):
        response = client.post("/api/reports", json=body, headers=headers)
        assert response.status_code == 422
        assert "Indiquez soit" in response.get_json()["error"]["message"]
    response = client.post("/api/reports", json={"consultation": "nulle-part"}, headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "Cette concertation n'existe pas."
    assert client.post("/api/reports", json={"qpv": "QP999999"}, headers=headers).status_code == 404
    assert db.session.query(Report).count() == 0


def test_post_queues_then_get_reports_figures(client, make_user, seed_reports, run_jobs):
    data = seed_reports()
    headers = bearer(make_user(role="moderator"))
    response = client.post("/api/reports", json={"consultation": data.consultation.slug}, headers=headers)
    assert response.status_code == 202
    created = response.get_json()
    assert created["status"] == "queued" and created["version"] == 1 and created["job_id"]
    assert get_queue("reports").fetch_job(created["job_id"]) is not None
    # A second request while the first is queued returns the same version.
    again = client.post("/api/reports", json={"consultation": data.consultation.slug}, headers=headers)
    assert again.status_code == 202 and again.get_json()["id"] == created["id"]
    waiting = client.get(f"/api/reports/{created['id']}", headers=headers).get_json()
    assert waiting["status"] == "queued" and waiting["pdf_url"] is None and waiting["figures"] is None
    run_jobs(["reports"])
    body = client.get(f"/api/reports/{created['id']}", headers=headers).get_json()
    assert body["status"] == "finished" and body["progress"] == 100 and body["attempts"] == 1
    figures = body["figures"]
    assert figures["contributions"] == len(data.published)
    assert figures["votes"] == data.votes
    assert figures["participants"] == len(data.users) + 17
    assert sum(figures["by_theme"].values()) == figures["contributions"]
    pdf = client.get(body["pdf_url"], headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "bilan-" in pdf.headers["Content-Disposition"]
    assert client.get(body["pdf_url"], headers=bearer(make_user())).status_code == 403
    listing = client.get(f"/api/reports?consultation={data.consultation.slug}", headers=headers).get_json()
    assert [item["id"] for item in listing] == [created["id"]]


def test_qpv_and_session_auth_with_csrf(client, make_user):
    urbanist = make_user(role="urbanist")
    login(client, urbanist)
    assert client.post("/api/reports", json={"qpv": "QP062024"}).status_code == 400  # no CSRF token
    token = csrf_token(client)
    response = client.post("/api/reports", json={"qpv": "QP062024"}, headers={"X-CSRFToken": token})
    assert response.status_code == 202
    body = response.get_json()
    assert (
        body["scope"] == "qpv"
        and body["qpv"] == "QP062024"
        and body["page_url"] == "/rapports/quartiers/QP062024"
    )
    territory = client.post("/api/reports", json={"territory": True}, headers={"X-CSRFToken": token})
    assert territory.status_code == 202 and territory.get_json()["scope"] == "territory"
