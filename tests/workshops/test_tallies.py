"""Paper votes entered as counts: kept apart from individual votes, consistent across workshops."""

import pytest
from sqlalchemy import func, select

from app.contributions.models import Contribution, Vote
from app.extensions import db
from app.workshops import queries
from app.workshops.models import WorkshopTally
from tests.conftest import bearer, csrf_token, login


def post_tally(client, workshop, user, **body):
    return client.post(f"/api/workshops/{workshop.id}/tallies", json=body, headers=bearer(user))


def test_tally_sets_workshop_counters_without_touching_individual_votes(
    client, workshop, facilitator, consultation, make_contribution, make_user, make_vote
):
    contribution = make_contribution(consultation)
    make_vote(contribution, make_user(), 1)
    response = post_tally(
        client, workshop, facilitator, contribution=contribution.id, agree=12, disagree=3, comments=4
    )
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert (data["agree"], data["disagree"], data["comments"]) == (12, 3, 4)
    assert (data["workshop_agree_count"], data["workshop_disagree_count"]) == (12, 3)
    db.session.expire_all()
    stored = db.session.get(Contribution, contribution.id)
    assert (stored.workshop_agree_count, stored.workshop_disagree_count) == (12, 3)
    assert (stored.agree_count, stored.disagree_count) == (1, 0)  # online votes untouched
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1  # no fake Vote rows
    public = client.get(f"/api/contributions/{contribution.id}").get_json()
    assert public["votes"] == {"agree": 1, "disagree": 0}
    assert public["workshop_votes"] == {"agree": 12, "disagree": 3}


def test_a_new_count_replaces_the_workshop_previous_one(
    client, workshop, facilitator, consultation, make_contribution
):
    contribution = make_contribution(consultation)
    post_tally(client, workshop, facilitator, contribution=contribution.id, agree=5, disagree=5)
    post_tally(client, workshop, facilitator, contribution=contribution.id, agree=7, disagree=1)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(WorkshopTally)) == 1
    stored = db.session.get(Contribution, contribution.id)
    assert (stored.workshop_agree_count, stored.workshop_disagree_count) == (7, 1)


def test_counts_of_two_workshops_add_up(
    client, workshop, facilitator, consultation, make_contribution, make_workshop
):
    contribution = make_contribution(consultation)
    second = make_workshop(consultation, facilitator, days=7, place="Maison de quartier")
    post_tally(client, workshop, facilitator, contribution=contribution.id, agree=5, disagree=2)
    post_tally(client, second, facilitator, contribution=contribution.id, agree=3, disagree=1)
    post_tally(client, workshop, facilitator, contribution=contribution.id, agree=6, disagree=2)
    db.session.expire_all()
    stored = db.session.get(Contribution, contribution.id)
    assert (stored.workshop_agree_count, stored.workshop_disagree_count) == (9, 3)
    sums = db.session.execute(
        select(func.sum(WorkshopTally.agree), func.sum(WorkshopTally.disagree)).where(
            WorkshopTally.contribution_id == contribution.id
        )
    ).one()
    assert tuple(sums) == (9, 3)
    assert queries.workshop_stats(workshop.id)["agree"] == 6


def test_tally_by_printed_number(client, workshop, facilitator, consultation, make_contribution):
    first, second = make_contribution(consultation), make_contribution(consultation, title="Un second banc")
    response = post_tally(client, workshop, facilitator, number=2, agree=4)
    assert response.status_code == 200
    assert response.get_json()["contribution"] == second.id and response.get_json()["number"] == 2
    assert post_tally(client, workshop, facilitator, number=99, agree=1).status_code == 404
    assert first.id != second.id


@pytest.mark.parametrize(
    "body, field",
    [
        ({"agree": -1}, "agree"),
        ({"agree": "beaucoup"}, "agree"),
        ({}, None),
    ],
)
def test_bad_tallies_are_refused(client, workshop, facilitator, consultation, make_contribution, body, field):
    contribution = make_contribution(consultation)
    payload = {"contribution": contribution.id, **body} if field else body
    response = post_tally(client, workshop, facilitator, **payload)
    assert response.status_code == 422
    if field:
        assert field in response.get_json()["error"]["fields"]


def test_tally_on_an_unpublished_or_foreign_contribution_is_refused(
    client, workshop, facilitator, consultation, make_contribution, make_consultation
):
    pending = make_contribution(consultation, status="pending")
    elsewhere = make_contribution(make_consultation(qpv_codes=["QP062019"]))
    headers = bearer(facilitator)
    db.session.commit()  # the first refused request rolls back to here
    for contribution in (pending, elsewhere):
        response = client.post(
            f"/api/workshops/{workshop.id}/tallies",
            json={"contribution": contribution.id, "agree": 3},
            headers=headers,
        )
        assert response.status_code == 422 and "contribution" in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(WorkshopTally)) == 0


@pytest.mark.parametrize(
    "role, status", [("resident", 403), ("urbanist", 403), ("moderator", 200), ("admin", 200)]
)
def test_tally_roles(client, workshop, consultation, make_contribution, make_user, role, status):
    contribution = make_contribution(consultation)
    response = post_tally(client, workshop, make_user(role=role), contribution=contribution.id, agree=3)
    assert response.status_code == status


def test_tally_form_on_the_workshop_page(client, workshop, facilitator, consultation, make_contribution):
    contribution = make_contribution(consultation)
    login(client, facilitator)
    token = csrf_token(client, f"/ateliers/{workshop.id}")
    number = queries.contribution_number(contribution)
    response = client.post(
        f"/ateliers/{workshop.id}/comptages",
        data={"csrf_token": token, "number": number, "agree": "8", "disagree": "2", "comments": "1"},
    )
    assert response.status_code == 302
    page = client.get(f"/ateliers/{workshop.id}").get_data(as_text=True)
    assert "Comptage enregistré" in page and contribution.title.replace("'", "&#39;") in page
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).workshop_agree_count == 8
