"""Issue 11.8: a facilitator cannot reach another facilitator's participant contacts."""

import html

from app.extensions import db
from app.workshops.services import create_workshop
from tests.conftest import bearer, csrf_token, login

EMAIL = "zephyrine.secret@exemple.fr"


def _workshop(consultation, user, place):
    from app.consultations.models import utcnow

    workshop = create_workshop(user, consultation, utcnow(), place)
    db.session.commit()
    return workshop


def _enter_with_contact(client, workshop, facilitator, consultation):
    from tests.workshops.conftest import point_inside

    body = {
        "theme": "cadre-de-vie-espaces-publics",
        "title": "Un city stade près du collège",
        "geometry": point_inside(consultation),
        "participant": {"first_name": "Zéphyrine", "contact": EMAIL, "consent": True},
    }
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
    )
    assert response.status_code == 201, response.get_json()
    db.session.commit()
    return response.get_json()["id"]


def test_contacts_are_visible_only_to_the_workshop_facilitators_and_admins(
    client, consultation, make_user, assign, admin
):
    first, second = make_user(role="facilitator"), make_user(role="facilitator")
    assign(consultation, first)
    assign(consultation, second)
    workshop = _workshop(consultation, first, "Maison du projet")
    _enter_with_contact(client, workshop, first, consultation)
    _workshop(consultation, second, "Salle des fêtes")  # the old way in: a workshop of one's own
    moderator = make_user(role="moderator")
    db.session.commit()
    seen = {}
    for name, user in (("first", first), ("second", second), ("moderator", moderator), ("admin", admin)):
        login(client, user)
        seen[name] = EMAIL in client.get(f"/ateliers/{workshop.id}").get_data(as_text=True)
    assert seen == {"first": True, "second": False, "moderator": False, "admin": True}


def test_another_facilitator_can_neither_erase_nor_join_to_read_the_contacts(
    client, consultation, make_user, assign
):
    from app.contributions.models import Contribution

    first, second = make_user(role="facilitator"), make_user(role="facilitator")
    assign(consultation, first)
    assign(consultation, second)
    workshop = _workshop(consultation, first, "Maison du projet")
    contribution_id = _enter_with_contact(client, workshop, first, consultation)
    person_id = db.session.get(Contribution, contribution_id).participant_id
    login(client, second)
    token = csrf_token(client, "/")
    erase = client.post(
        f"/ateliers/{workshop.id}/participants/{person_id}/effacer", data={"csrf_token": token}
    )
    assert erase.status_code == 403
    join = client.patch(
        f"/api/workshops/{workshop.id}", json={"facilitators": [second.email]}, headers=bearer(second)
    )
    assert join.status_code == 403
    db.session.expire_all()
    assert [u.id for u in workshop.facilitators] == [first.id]


def test_only_assigned_facilitators_create_workshops(
    client, consultation, make_consultation, make_user, assign
):
    other = make_consultation(qpv_codes=["QP062019"])
    facilitator = make_user(role="facilitator")
    assign(other, facilitator)  # assigned elsewhere only
    body = {"consultation": consultation.slug, "date": "2030-03-14T14:00", "place": "Maison du projet"}
    refused = client.post("/api/workshops", json=body, headers=bearer(facilitator))
    assert refused.status_code == 403
    assert "affectés à cette concertation" in refused.get_json()["error"]["message"]
    login(client, facilitator)
    token = csrf_token(client, "/ateliers/nouveau")
    page = client.post(
        "/ateliers/nouveau",
        data={
            "csrf_token": token,
            "consultation": consultation.slug,
            "date": "2030-03-14T14:00",
            "place": "Salle",
        },
    )
    assert page.status_code == 403
    assign(consultation, facilitator)
    assert client.post("/api/workshops", json=body, headers=bearer(facilitator)).status_code == 201


def test_assignment_is_audited_and_needs_the_facilitator_role(client, consultation, make_user, admin):
    from app.moderation.models import ModerationAction

    resident = make_user()
    login(client, admin)
    token = csrf_token(client, f"/gestion/concertations/{consultation.slug}/equipe")
    url = f"/gestion/concertations/{consultation.slug}/equipe"
    refused = client.post(url, data={"csrf_token": token, "user": resident.email, "role": "animateur"})
    assert refused.status_code == 422 and "rôle d'animateur" in html.unescape(refused.get_data(as_text=True))
    assert (
        client.post(
            url, data={"csrf_token": token, "user": resident.pseudonym, "role": "chef_de_projet"}
        ).status_code
        == 302
    )
    entry = db.session.query(ModerationAction).filter_by(action="staff_assign", target_id=resident.id).one()
    assert entry.consultation_id == consultation.id and entry.after == {"role": "chef_de_projet"}
    journal = client.get("/moderation/journal").get_data(as_text=True)
    assert "Affectation à une concertation" in journal
