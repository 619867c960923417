"""The export page (urbanists and admins) and its no-JavaScript form."""

import io

from app.exports.models import Export
from app.extensions import db
from tests.conftest import csrf_token, login


def test_page_is_for_urbanists_and_admins(client, export_data, make_user):
    users = {role: make_user(role=role) for role in ("moderator", "urbanist", "admin")}
    db.session.commit()  # the 403 below rolls the shared session back
    login(client, users["moderator"])
    assert client.get("/exports").status_code == 403
    for role in ("urbanist", "admin"):
        login(client, users[role])
        html = client.get("/exports").get_data(as_text=True)
        assert 'id="export-form"' in html and "Lambert-93" in html and 'value="cite-12-14"' in html
        assert "/ogc" in html and "/static/js/exports." in html
        steps = html[html.index('id="qgis"') :]
        assert "Authentification de base" in steps and "mot de passe : votre jeton" in steps
        assert steps.count("<li>") >= 5 and "Authorization: Bearer &lt;jeton&gt;" not in steps


def test_small_export_without_javascript_downloads_at_once(client, export_data):
    login(client, export_data["urbanist"])
    token = csrf_token(client, "/exports")
    response = client.post(
        "/exports",
        data={
            "csrf_token": token,
            "format": "csv",
            "crs": "EPSG:4326",
            "separator": ",",
            "consultations": ["cite-12-14"],
            "statuses": ["published"],
            "date_from": "",
            "date_to": "",
        },
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = io.StringIO(response.data.decode("utf-8-sig")).read().strip().splitlines()
    assert len(lines) == 1 + len(export_data["published"])
    db.session.expire_all()
    export = db.session.query(Export).one()
    assert export.status == "finished" and export.row_count == len(export_data["published"])
    listing = client.get("/exports/liste").get_data(as_text=True)
    assert f"/exports/{export.id}/fichier" in listing


def test_form_errors_are_shown_in_french(client, export_data):
    login(client, export_data["urbanist"])
    token = csrf_token(client, "/exports")
    response = client.post("/exports", data={"csrf_token": token, "format": "csv"})
    assert response.status_code == 422
    assert "Choisissez au moins une concertation." in response.get_data(as_text=True)


def test_large_export_without_javascript_goes_to_the_worker(client, export_data, run_jobs, monkeypatch):
    from app.exports import views

    monkeypatch.setattr(views, "DIRECT_MAX_ROWS", 3)
    login(client, export_data["urbanist"])
    token = csrf_token(client, "/exports")
    data = {"csrf_token": token, "format": "gpkg", "crs": "EPSG:2154", "consultations": ["cite-12-14"]}
    response = client.post("/exports", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/exports")
    db.session.expire_all()
    export = db.session.query(Export).one()
    assert export.status == "queued" and export.job_id
    run_jobs(["exports"])
    db.session.refresh(export)
    assert export.status == "finished" and export.row_count == len(export_data["published"])
    page = client.get("/exports").get_data(as_text=True)
    assert "Export lancé" in page and f"/exports/{export.id}/fichier" in page
