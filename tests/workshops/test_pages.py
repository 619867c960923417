"""Workshop pages: the consultation page lists them, creation and follow-up forms, the entry screen."""

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.consultations.models import utcnow
from app.extensions import db
from app.workshops.models import Workshop
from tests.conftest import csrf_token, login


def test_consultation_page_lists_coming_and_past_workshops_with_their_outcome(
    client, consultation, facilitator, make_workshop
):
    make_workshop(consultation, facilitator, days=10, place="Maison du projet", title="Atelier mobilités")
    make_workshop(
        consultation,
        facilitator,
        days=-20,
        place="Salle Jean Moulin",
        title="Atelier espaces publics",
        participants_count=18,
        outcome_summary="Les habitants demandent des traversées sûres devant l'école.",
    )
    page = unescape(client.get(f"/consultations/{consultation.slug}").get_data(as_text=True))
    assert "Ateliers à la maison du projet" in page
    coming, past = page.index("À venir"), page.index("Ce qui s'y est dit")
    assert coming < page.index("Atelier mobilités") < past < page.index("Atelier espaces publics")
    assert "Les habitants demandent des traversées sûres devant l'école." in page
    assert "18 participants" in page
    assert "Organiser un atelier" not in page  # anonymous visitors


def test_consultation_page_without_workshops(client, consultation):
    page = unescape(client.get(f"/consultations/{consultation.slug}").get_data(as_text=True))
    assert "Aucun atelier n'est encore programmé" in page


def test_workshops_index_is_for_staff(client, make_user, workshop):
    assert client.get("/ateliers").status_code == 302  # to the login page
    login(client, make_user(role="resident"))
    assert client.get("/ateliers").status_code == 403


def test_facilitator_lists_creates_and_follows_up_a_workshop(client, facilitator, consultation):
    login(client, facilitator)
    token = csrf_token(client, "/ateliers/nouveau")
    response = client.post(
        "/ateliers/nouveau",
        data={
            "csrf_token": token,
            "consultation": consultation.slug,
            "title": "Atelier cadre de vie",
            "date": "2030-05-12T14:30",
            "place": "Maison du projet",
            "address": "Lens",
        },
    )
    assert response.status_code == 302
    workshop = db.session.scalar(select(Workshop))
    assert (
        workshop.title == "Atelier cadre de vie" and workshop.starts_at.hour == 12
    )  # 14 h 30 in Paris (UTC+2)
    assert "Atelier cadre de vie" in client.get("/ateliers").get_data(as_text=True)
    response = client.post(
        f"/ateliers/{workshop.id}",
        data={
            "csrf_token": token,
            "participants_count": "14",
            "demo-genre-femmes": "9",
            "demo-genre-hommes": "5",
            "demo-age-26-40": "6",
            "outcome_summary": "Trois priorités : ombre, bancs, éclairage.",
            "notes": "Salle trop petite.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    workshop = db.session.get(Workshop, workshop.id)
    assert workshop.participants_count == 14
    assert workshop.demographics == {"genre": {"femmes": 9, "hommes": 5}, "age": {"26-40": 6}}
    public = unescape(client.get(f"/ateliers/{workshop.id}").get_data(as_text=True))
    assert "Trois priorités : ombre, bancs, éclairage." in public


def test_follow_up_form_explains_errors_and_keeps_the_workshop(client, facilitator, workshop):
    login(client, facilitator)
    token = csrf_token(client, f"/ateliers/{workshop.id}")
    response = client.post(
        f"/ateliers/{workshop.id}",
        data={"csrf_token": token, "participants_count": "3", "demo-genre-femmes": "12"},
    )
    assert response.status_code == 422
    assert "compte plus de personnes que de participants" in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).participants_count == 0


def test_notes_stay_internal(client, facilitator, make_workshop, consultation):
    workshop = make_workshop(consultation, facilitator, notes="Mme X. a des soucis avec son bailleur.")
    assert "bailleur" not in client.get(f"/ateliers/{workshop.id}").get_data(as_text=True)
    login(client, facilitator)
    assert "bailleur" in client.get(f"/ateliers/{workshop.id}").get_data(as_text=True)


def test_entry_screen_for_the_workshop_facilitators(client, facilitator, workshop, make_user):
    login(client, facilitator)
    page = client.get(f"/ateliers/{workshop.id}/saisie").get_data(as_text=True)
    assert 'id="entry-form"' in page and 'id="grid_ref"' in page and "workshops_entry." in page
    assert re.search(r"/vendor/leaflet/leaflet\.[0-9a-f]{12}\.js", page) and "entry-grid" in page
    login(client, make_user(role="facilitator"))  # not a facilitator of this consultation
    assert client.get(f"/ateliers/{workshop.id}/saisie").status_code == 403


@pytest.mark.parametrize("days, label", [(5, "À venir"), (-5, "Ce qui s'y est dit")])
def test_workshop_end_decides_past_or_coming(client, facilitator, consultation, make_workshop, days, label):
    make_workshop(consultation, facilitator, days=days, ends_at=utcnow() + timedelta(days=days, hours=3))
    page = unescape(client.get(f"/consultations/{consultation.slug}").get_data(as_text=True))
    assert label in page
