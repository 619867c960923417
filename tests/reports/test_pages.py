"""Report pages: access, generation with progress, charts, map, history, territory dashboard."""

from app.extensions import db
from app.reports.models import Report
from tests.conftest import csrf_token, login


def test_access_is_for_urbanists_moderators_admins(client, make_user):
    response = client.get("/rapports")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    login(client, make_user())
    assert client.get("/rapports").status_code == 403
    for role in ("urbanist", "moderator", "admin"):
        login(client, make_user(role=role))
        assert client.get("/rapports").status_code == 200


def test_generate_follow_progress_then_read_the_report(client, make_user, seed_reports, run_jobs):
    data = seed_reports()
    slug = data.consultation.slug
    login(client, make_user(role="urbanist"))
    page = client.get(f"/rapports/concertations/{slug}").get_data(as_text=True)
    assert "Aucun bilan n'a encore été calculé" in page and "Générer une nouvelle version" in page
    assert client.post(f"/rapports/concertations/{slug}/generer").status_code == 400  # CSRF
    token = csrf_token(client)
    response = client.post(f"/rapports/concertations/{slug}/generer", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(f"/rapports/concertations/{slug}").get_data(as_text=True)
    assert (
        'class="report-progress"' in page
        and "Version 1" in page
        and "en file d'attente" in page.replace("&#39;", "'")
    )
    run_jobs(["reports"])
    db.session.expire_all()
    report = db.session.query(Report).one()
    page = client.get(f"/rapports/concertations/{slug}").get_data(as_text=True)
    assert "Chiffres clés" in page and "report-progress" not in page
    assert f"/rapports/{report.id}/bilan.pdf" in page
    assert "Zones de forte contribution" in page and "Cadre de vie" in page
    # the map shows each zone's number, as the table does
    assert page.count("zone-badge zone-badge-map") == len(report.figures["hotspots"]["zones"]) > 0
    assert 'aria-label="Contributions publiées par thème' in page and page.count("<svg") >= 4
    assert "n° 1" in page  # history
    chart = client.get(f"/rapports/{report.id}/graphiques/themes.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml" and b"<svg" in chart.data
    assert client.get(f"/rapports/{report.id}/graphiques/autre.svg").status_code == 404
    assert client.get(f"/rapports/{report.id}/carte.png").data.startswith(b"\x89PNG")
    # A second generation makes version 2; both stay downloadable.
    client.post(f"/rapports/concertations/{slug}/generer", data={"csrf_token": token})
    run_jobs(["reports"])
    page = client.get(f"/rapports/concertations/{slug}").get_data(as_text=True)
    assert "n° 2" in page and "version 2" in page
    versions = db.session.query(Report).order_by(Report.version).all()
    assert [r.version for r in versions] == [1, 2] and all(r.status == "finished" for r in versions)
    assert client.get(f"/rapports/{versions[0].id}/bilan.pdf").status_code == 200


def test_territory_dashboard_lists_the_21_qpv(client, make_user, seed_reports, run_jobs):
    seed_reports()
    login(client, make_user(role="moderator"))
    page = client.get("/rapports").get_data(as_text=True)
    assert "Le tableau de bord n'a pas encore été calculé" in page
    client.post("/rapports/territoire/generer", data={"csrf_token": csrf_token(client)})
    run_jobs(["reports"])
    page = client.get("/rapports").get_data(as_text=True)
    dashboard = page[page.index('id="territoire"') : page.index('id="concertations"')]
    assert dashboard.count("<tr>") >= 21 + 1
    assert "Calonne - Marichelles - Vent de Bise" in dashboard and "Intérêt régional" in dashboard
    assert "7\u202f080" in dashboard  # its population
    assert "Intérêt national" in dashboard


def test_qpv_page_and_public_teaser(client, make_user, seed_reports, run_jobs):
    data = seed_reports()
    public = client.get(f"/consultations/{data.consultation.slug}").get_data(as_text=True)
    assert "Bilan de la concertation" not in public
    login(client, make_user(role="urbanist"))
    assert client.get("/rapports/quartiers/QP999999").status_code == 404
    page = client.get("/rapports/quartiers/QP062024").get_data(as_text=True)
    assert "Cité 12-14" in page and "Générer une nouvelle version" in page
    teaser = client.get(f"/consultations/{data.consultation.slug}").get_data(as_text=True)
    assert "Aucun bilan n'a encore été généré" in teaser
    client.post(
        f"/rapports/concertations/{data.consultation.slug}/generer", data={"csrf_token": csrf_token(client)}
    )
    run_jobs(["reports"])
    teaser = client.get(f"/consultations/{data.consultation.slug}").get_data(as_text=True)
    assert "Télécharger le bilan (PDF)" in teaser


def test_history_page_query_count_does_not_grow_with_versions(
    client, make_user, make_consultation, count_queries
):
    from app.reports.services import request_report

    consultation = make_consultation()
    from app.accounts.models import User

    users = [make_user(role="urbanist").id for _ in range(6)]
    login(client, db.session.get(User, users[0]))
    client.get(f"/rapports/concertations/{consultation.slug}")  # warm up (session, user)
    for user_id in users[:3]:
        report = request_report(db.session.get(User, user_id), consultation=consultation, enqueue=False)
        report.status = "failed"
        db.session.flush()
    db.session.expunge_all()  # nothing cached: each author would cost a query without eager loading
    with count_queries() as few:
        client.get(f"/rapports/concertations/{consultation.slug}")
    for user_id in users[3:]:
        consultation = db.session.merge(consultation)
        report = request_report(db.session.get(User, user_id), consultation=consultation, enqueue=False)
        report.status = "failed"
        db.session.flush()
    db.session.expunge_all()
    with count_queries() as more:
        page = client.get(f"/rapports/concertations/{consultation.slug}").get_data(as_text=True)
    assert "n° 6" in page
    assert len(more) == len(few)


def test_reports_index_reads_the_qpv_without_perimeters_or_communes(client, make_user, count_queries):
    """The index's QPV table names, ranks and counts: no perimeter nor commune is read for it."""
    login(client, make_user(role="admin"))
    client.get("/rapports")
    with count_queries() as statements:
        page = client.get("/rapports").get_data(as_text=True)
    read_qpv = [s for s in statements if "FROM qpv" in s and "qpv.code" in s]
    assert read_qpv and not [s for s in read_qpv if "qpv.geom" in s]
    assert not [s for s in statements if "communes.insee AS" in s]  # no commune loaded for them
    assert page.count(">QP062") == 21
