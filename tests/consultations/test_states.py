"""Draft / published / archived: drafts are seen by their team only; archives stay readable, closed."""

from tests.conftest import bearer, login
from tests.consultations.conftest import three_phases
from tests.workshops.conftest import point_inside


def test_a_draft_is_seen_by_its_team_only(client, make_consultation, make_user, assign):
    draft = make_consultation(status="draft", phases=three_phases())
    lead = make_user()
    assign(draft, lead, "chef_de_projet")
    assert client.get(f"/consultations/{draft.slug}").status_code == 404
    assert draft.slug not in client.get("/").get_data(as_text=True)
    login(client, make_user())
    assert client.get(f"/consultations/{draft.slug}").status_code == 404
    login(client, lead)
    page = client.get(f"/consultations/{draft.slug}")
    assert page.status_code == 200 and "brouillon" in page.get_data(as_text=True)
    assert client.get(f"/api/consultations/{draft.slug}", headers=bearer(lead)).status_code == 200


def test_an_archive_stays_readable_and_refuses_participation(client, make_consultation, make_user, admin):
    consultation = make_consultation(phases=three_phases())
    response = client.patch(
        f"/api/consultations/{consultation.slug}", json={"status": "archived"}, headers=bearer(admin)
    )
    assert response.status_code == 200
    assert client.get(f"/consultations/{consultation.slug}").status_code == 200
    body = {
        "consultation": consultation.slug,
        "geometry": point_inside(consultation),
        "theme": "cadre-de-vie-espaces-publics",
        "title": "Encore une idée",
    }
    refused = client.post("/api/contributions", json=body, headers=bearer(make_user()))
    assert refused.status_code == 403
    assert (
        refused.get_json()["error"]["message"]
        == "Cette concertation est archivée : on ne peut plus y participer."
    )
