"""POST /api/workshops and entry on behalf: roles, provenance, grid references, participants."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from app.contributions.models import Contribution
from app.extensions import db
from app.workshops.models import Workshop, WorkshopParticipant
from tests.conftest import bearer, csrf_token, login
from tests.workshops.conftest import entry_body


# --- POST /api/workshops ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role, status",
    [
        ("facilitator", 201),
        ("unassigned facilitator", 403),
        ("moderator", 201),
        ("admin", 201),
        ("resident", 403),
        ("urbanist", 403),
    ],
)
def test_create_workshop_roles(client, make_user, assign, consultation, role, status):
    user = make_user(role=role.split()[-1])
    if role == "facilitator":
        assign(consultation, user)
    body = {"consultation": consultation.slug, "date": "2030-03-14T14:00", "place": "Maison du projet"}
    response = client.post("/api/workshops", json=body, headers=bearer(user))
    assert response.status_code == status, response.get_json()
    if status == 201:
        data = response.get_json()
        workshop = db.session.get(Workshop, data["id"])
        assert workshop.consultation_id == consultation.id
        assert [u.id for u in workshop.facilitators] == [user.id]
        assert data["place"] == "Maison du projet" and data["consultation"] == consultation.slug
        # a time without offset is Paris time (UTC+1 in March)
        assert datetime.fromisoformat(data["date"]) == datetime(2030, 3, 14, 13, 0, tzinfo=UTC)
    else:
        assert db.session.scalar(select(Workshop.id)) is None


def test_create_workshop_needs_an_account(client, consultation):
    body = {"consultation": consultation.slug, "date": "2030-03-14", "place": "Maison du projet"}
    assert client.post("/api/workshops", json=body).status_code in (400, 401)  # no session: CSRF or login


def test_create_workshop_with_a_session_and_all_details(client, facilitator, make_user, consultation):
    other = make_user(role="facilitator")
    login(client, facilitator)
    body = {
        "consultation": consultation.slug,
        "date": "2030-03-14T14:00:00+01:00",
        "ends_at": "2030-03-14T17:00:00+01:00",
        "place": "Maison du projet",
        "address": "Lens",
        "participants_count": 12,
        "demographics": {"genre": {"femmes": 7, "hommes": 5}, "habitants_qpv": {"oui": 10, "non": 2}},
        "facilitators": [other.email],
        "outcome_summary": "Priorité aux traversées piétonnes.",
    }
    response = client.post("/api/workshops", json=body, headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201, response.get_json()
    workshop = db.session.get(Workshop, response.get_json()["id"])
    assert {u.id for u in workshop.facilitators} == {facilitator.id, other.id}
    assert workshop.demographics["genre"] == {"femmes": 7, "hommes": 5}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"place": ""}, "place"),
        ({"date": "bientôt"}, "date"),
        ({"ends_at": "2030-03-14T10:00"}, "ends_at"),
        ({"demographics": {"genre": {"femmes": 40}}, "participants_count": 12}, "demographics"),
        ({"demographics": {"religion": {"x": 1}}}, "demographics"),
    ],
)
def test_create_workshop_refuses_bad_input_in_french(client, facilitator, consultation, change, field):
    body = {
        "consultation": consultation.slug,
        "date": "2030-03-14T14:00",
        "place": "Maison du projet",
        **change,
    }
    response = client.post("/api/workshops", json=body, headers=bearer(facilitator))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"] and "Data" not in str(error["fields"])
    assert db.session.scalar(select(Workshop.id)) is None


def test_workshops_are_listed_per_consultation(client, workshop, consultation):
    response = client.get(f"/api/workshops?consultation={consultation.slug}")
    assert response.status_code == 200
    assert [w["id"] for w in response.get_json()] == [workshop.id]
    assert "notes" not in response.get_json()[0]


# --- entry on behalf of participants: roles -------------------------------------------------------
@pytest.mark.parametrize(
    "who, status",
    [
        ("workshop facilitator", 201),
        ("facilitator of another workshop of the consultation", 201),
        ("facilitator of another consultation", 403),
        ("moderator", 201),
        ("admin", 201),
        ("urbanist", 403),
        ("resident", 403),
    ],
)
def test_entry_on_behalf_roles(
    client, make_user, make_workshop, make_consultation, consultation, workshop, facilitator, who, status
):
    if who == "workshop facilitator":
        user = facilitator
    elif who == "facilitator of another workshop of the consultation":
        user = make_user(role="facilitator")
        make_workshop(consultation, user, days=7)
    elif who == "facilitator of another consultation":
        user = make_user(role="facilitator")
        make_workshop(make_consultation(qpv_codes=["QP062019"]), user)
    else:
        user = make_user(role=who)
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=entry_body(consultation), headers=bearer(user)
    )
    assert response.status_code == status, response.get_json()
    count = db.session.scalar(select(db.func.count()).select_from(Contribution))
    assert count == (1 if status == 201 else 0)


def test_entry_on_behalf_without_an_account_is_401(client, workshop, consultation):
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions",
        json=entry_body(consultation),
        headers={"Authorization": "Bearer faux"},
    )
    assert response.status_code == 401


def test_unknown_workshop_is_404(client, facilitator, consultation):
    response = client.post(
        "/api/workshops/999999/contributions", json=entry_body(consultation), headers=bearer(facilitator)
    )
    assert response.status_code == 404


# --- provenance -------------------------------------------------------------------------------------
def test_entered_contribution_carries_its_provenance(client, workshop, facilitator, consultation):
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions",
        json=entry_body(consultation),
        headers=bearer(facilitator),
    )
    assert response.status_code == 201
    data = response.get_json()
    assert data["source"] == "atelier" and data["source_label"] == "Atelier"
    assert data["workshop"] == workshop.id and data["status"] == "published"
    contribution = db.session.get(Contribution, data["id"])
    assert contribution.source == "workshop"
    assert contribution.workshop_id == workshop.id
    assert contribution.author_id is None and contribution.kiosk_id is None
    public = client.get(f"/api/contributions/{data['id']}").get_json()
    assert public["source"] == "atelier" and public["source_label"] == "Atelier" and public["author"] is None


def test_pre_moderated_consultation_keeps_workshop_entries_pending(
    client, make_consultation, make_workshop, facilitator
):
    consultation = make_consultation(moderation_mode="pre")
    workshop = make_workshop(consultation, facilitator)
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions",
        json=entry_body(consultation),
        headers=bearer(facilitator),
    )
    assert response.status_code == 201 and response.get_json()["status"] == "pending"


def test_entry_for_another_consultation_is_refused(client, workshop, facilitator, consultation):
    body = entry_body(consultation, consultation="autre-concertation")
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
    )
    assert response.status_code == 422 and "consultation" in response.get_json()["error"]["fields"]


def test_contribution_service_errors_come_back_in_french(client, workshop, facilitator, consultation):
    body = entry_body(consultation, title="x", theme="inconnu")
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "title" in fields and "theme" in fields
    assert db.session.scalar(select(db.func.count()).select_from(Contribution)) == 0


# --- participants ---------------------------------------------------------------------------------
def test_participant_contact_is_kept_with_consent(client, workshop, facilitator, consultation):
    participant = {"first_name": "Samia", "contact": "06 12 34 56 78", "consent": True}
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions",
        json=entry_body(consultation, participant=participant),
        headers=bearer(facilitator),
    )
    assert response.status_code == 201
    contribution = db.session.get(Contribution, response.get_json()["id"])
    person = db.session.get(WorkshopParticipant, contribution.participant_id)
    assert (person.first_name, person.contact, person.workshop_id) == ("Samia", "06 12 34 56 78", workshop.id)
    assert person.consent_at is not None
    # the same person's next idea reuses the row
    again = client.post(
        f"/api/workshops/{workshop.id}/contributions",
        json=entry_body(consultation, title="Un second banc", participant=participant),
        headers=bearer(facilitator),
    )
    assert db.session.get(Contribution, again.get_json()["id"]).participant_id == person.id


@pytest.mark.parametrize(
    "participant, field",
    [
        ({"first_name": "Samia", "contact": "samia@exemple.fr"}, "participant.consent"),
        ({"first_name": "Samia", "contact": "samia@exemple.fr", "consent": False}, "participant.consent"),
        ({"contact": "pas un contact", "consent": True}, "participant.contact"),
    ],
)
def test_participant_without_consent_or_valid_contact_is_refused(
    client, workshop, facilitator, consultation, participant, field
):
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions",
        json=entry_body(consultation, participant=participant),
        headers=bearer(facilitator),
    )
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(db.func.count()).select_from(WorkshopParticipant)) == 0
    assert db.session.scalar(select(db.func.count()).select_from(Contribution)) == 0


def test_participant_is_not_written_when_the_contribution_is_refused(
    client, workshop, facilitator, consultation
):
    participant = {"first_name": "Samia", "contact": "samia@exemple.fr", "consent": True}
    body = entry_body(consultation, title="x", participant=participant)
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.execute(text("SELECT count(*) FROM workshop_participants")).scalar_one() == 0


@pytest.mark.parametrize(
    "path, body",
    [
        ("", {"consultation": 12, "date": [], "place": None}),
        ("", {"consultation": "x", "date": "2030-02-30", "place": "Salle"}),
        ("", {"consultation": "x", "date": "2030-02-10", "place": "Salle", "participants_count": 10**12}),
        ("", {"consultation": "x", "date": "2030-02-10", "place": "Salle", "lon": 2.8}),
        ("", {"consultation": "x", "date": "2030-02-10", "place": "Salle", "demographics": {"age": [1]}}),
        (
            "/{id}/contributions",
            {"theme": [], "title": {}, "geometry": {"type": "Point", "coordinates": "x"}},
        ),
        (
            "/{id}/contributions",
            {"theme": "sante", "title": "Un banc", "geometry": {"type": "Point", "coordinates": [999, 1]}},
        ),
        ("/{id}/contributions", {"theme": "sante", "title": "Un banc", "grid_ref": "x" * 5000}),
        (
            "/{id}/contributions",
            {"theme": "sante", "title": "Un banc", "grid_ref": "C4", "participant": "Samia"},
        ),
        ("/{id}/tallies", {"number": 10**15, "agree": 1}),
        ("/{id}/tallies", {"contribution": -4, "agree": 1}),
        ("/{id}/tallies", {"number": 1, "agree": True}),
        ("/{id}", {"participants_count": 10**9}),
        ("/{id}", {"facilitators": ["inconnu@exemple.fr"]}),
    ],
)
def test_malformed_bodies_get_a_french_4xx_never_a_500(client, make_user, workshop, path, body):
    method = client.patch if path == "/{id}" else client.post
    response = method(
        f"/api/workshops{path.format(id=workshop.id)}", json=body, headers=bearer(make_user(role="admin"))
    )
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"date": "2030-03-14", "place": "Maison du projet"},
        {"starts_at": "2030-03-14T14:00:00+01:00", "place_name": "Maison du projet"},
        {
            "date": "2030-03-14T14:00",
            "place": {"name": "Maison du projet", "address": "Lens", "lon": 2.81, "lat": 50.44},
        },
    ],
)
def test_create_workshop_accepts_the_usual_spellings(client, facilitator, consultation, body):
    for reference in (consultation.slug, consultation.id):
        response = client.post(
            "/api/workshops", json={"consultation": reference, **body}, headers=bearer(facilitator)
        )
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["place"] == "Maison du projet"


def test_unknown_consultation_is_a_field_error(client, facilitator):
    body = {"consultation": "inconnue", "date": "2030-03-14", "place": "Maison du projet"}
    response = client.post("/api/workshops", json=body, headers=bearer(facilitator))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["consultation"] == ["Cette concertation n'existe pas."]
