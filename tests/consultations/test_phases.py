"""Phases: the current phase decides what residents may do, and says when it opens or why it closed."""

from datetime import timedelta

from sqlalchemy import select

from app.consultations.models import utcnow
from app.extensions import db
from app.moderation.models import ModerationAction
from tests.conftest import bearer, csrf_token, login
from tests.consultations.conftest import three_phases
from tests.workshops.conftest import point_inside


def _idea(consultation):
    return {
        "consultation": consultation.slug,
        "geometry": point_inside(consultation),
        "theme": "cadre-de-vie-espaces-publics",
        "title": "Des bancs à l'ombre",
        "body": "Près de l'école.",
    }


def test_ideas_phase_allows_proposing_not_voting(client, make_consultation, make_user, make_contribution):
    consultation = make_consultation(phases=three_phases(current=0))
    resident = make_user()
    assert (
        client.post("/api/contributions", json=_idea(consultation), headers=bearer(resident)).status_code
        == 201
    )
    idea = make_contribution(consultation)
    vote = client.post(f"/api/contributions/{idea.id}/vote", json={"value": 1}, headers=bearer(resident))
    assert vote.status_code == 403
    message = vote.get_json()["error"]["message"]
    assert message.startswith("Les votes ne sont pas ouverts pendant la phase « Idées » : ils ouvrent le ")
    assert "(phase « Votes »)" in message


def test_votes_phase_refuses_proposals_with_the_reason_and_allows_votes(
    client, make_consultation, make_user, make_contribution
):
    consultation = make_consultation(phases=three_phases(current=1))
    resident = make_user()
    refused = client.post("/api/contributions", json=_idea(consultation), headers=bearer(resident))
    assert refused.status_code == 403
    error = refused.get_json()["error"]
    assert error["code"] == "consultation_closed"
    assert error["message"].startswith("Les propositions sont closes depuis le ")
    assert "à la fin de la phase « Idées »" in error["message"]
    idea = make_contribution(consultation)
    vote = client.post(f"/api/contributions/{idea.id}/vote", json={"value": 1}, headers=bearer(resident))
    assert vote.status_code == 200, vote.get_json()
    comment = client.post(
        f"/api/contributions/{idea.id}/comments", json={"body": "D'accord"}, headers=bearer(resident)
    )
    assert comment.status_code == 201


def test_last_phase_closes_everything_online(client, make_consultation, make_user, make_contribution):
    consultation = make_consultation(phases=three_phases(current=2))
    idea = make_contribution(consultation)
    resident = make_user()
    for url, body in (
        (f"/api/contributions/{idea.id}/vote", {"value": 1}),
        (f"/api/contributions/{idea.id}/comments", {"body": "Trop tard ?"}),
    ):
        response = client.post(url, json=body, headers=bearer(resident))
        assert response.status_code == 403 and "clos depuis le" in response.get_json()["error"]["message"]


def test_page_shows_the_timeline_and_the_reason(client, make_consultation):
    consultation = make_consultation(phases=three_phases(current=1))
    page = client.get(f"/consultations/{consultation.slug}").get_data(as_text=True)
    assert "Les étapes de la concertation" in page
    assert page.index("Idées") < page.index("Votes") < page.index("Réponses et bilan")
    current = page.split('aria-current="step"')[1].split("</li>")[0]
    assert "Votes" in current and "En cours" in current
    assert "Les propositions sont closes depuis le" in page


def test_lead_moves_to_the_next_phase_and_it_is_audited(client, make_consultation, make_user, assign):
    consultation = make_consultation(phases=three_phases(current=0))
    lead = make_user()
    assign(consultation, lead, "chef_de_projet")
    login(client, lead)
    token = csrf_token(client, f"/gestion/concertations/{consultation.slug}")
    response = client.post(
        f"/gestion/concertations/{consultation.slug}/phase-suivante", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert consultation.current_phase.name == "Votes"
    assert not consultation.allows("propose") and consultation.allows("vote")
    entry = db.session.scalar(select(ModerationAction).where(ModerationAction.action == "phase_advance"))
    assert entry.actor_id == lead.id and entry.reason == "Phase « Votes »"


def test_upcoming_consultation_says_when_it_opens(make_consultation):
    start = utcnow() + timedelta(days=3)
    phases = [
        {"name": "Idées", "starts_at": start, "ends_at": start + timedelta(days=5), "actions": ["propose"]}
    ]
    consultation = make_consultation(phases=phases)
    assert consultation.refusal("propose").startswith(
        "Les propositions ne sont pas ouvertes en ce moment : elles ouvrent le"
    )


def test_the_sql_rule_of_the_write_paths_agrees_with_refusal_in_every_state(make_consultation):
    """`open_now` (checked in the statement that locks a voted idea) says open exactly when `refusal`
    says nothing, for each action: no phases (open, upcoming, ended), each phase running, between
    phases, after the last one, archived, draft."""
    from sqlalchemy import select

    from app.consultations.models import Consultation
    from app.consultations.phases import open_now, refusal

    now = utcnow()
    day = timedelta(days=1)
    gap = [
        {"name": "Idées", "starts_at": now - 9 * day, "ends_at": now - day, "actions": ["propose"]},
        {"name": "Votes", "starts_at": now + day, "ends_at": now + 9 * day, "actions": ["vote"]},
    ]
    ended = [dict(p, starts_at=p["starts_at"] - 40 * day, ends_at=p["ends_at"] - 40 * day) for p in gap]
    states = [
        make_consultation(),
        make_consultation(is_open=False),
        make_consultation(opens_at=now + day, closes_at=now + 9 * day),
        *(make_consultation(phases=three_phases(current=current)) for current in (0, 1, 2)),
        make_consultation(phases=gap),
        make_consultation(phases=ended, opens_at=now - 90 * day, closes_at=now - 20 * day),
        make_consultation(status="archived"),
        make_consultation(status="draft"),
    ]
    for consultation in states:
        for action in ("propose", "vote", "comment"):
            in_sql = db.session.scalar(
                select(open_now(Consultation, action)).where(Consultation.id == consultation.id)
            )
            assert in_sql is (refusal(consultation, action) is None), (consultation.slug, action)
    seen = {
        (action, refusal(consultation, action) is None) for consultation in states for action in ("vote",)
    }
    assert seen == {("vote", True), ("vote", False)}
