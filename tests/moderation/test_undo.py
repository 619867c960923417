"""Undo a moderation decision for a few minutes: the exact previous state, audited, refused when late
or when someone changed the idea since."""

import re
import sys
from datetime import timedelta

from sqlalchemy import text

from app.extensions import db
from app.moderation import services
from tests.conftest import bearer, csrf_token, login
from tests.moderation.conftest import actions_of

STATE = (
    "status",
    "moderation_reason",
    "flag_count",
    "outcome",
    "official_answer",
    "published_at",
    "reviewed_at",
    "reviewed_by_id",
    "answered_at",
)


def state(item):
    db.session.expire_all()
    row = db.session.execute(
        text(f"SELECT {', '.join(STATE)} FROM contributions WHERE id = :id"), {"id": item.id}
    ).mappings()
    return dict(row.one())


def open_flags(item):
    sql = "SELECT count(*) FROM flags WHERE contribution_id = :id AND resolved_at IS NULL"
    return db.session.execute(text(sql), {"id": item.id}).scalar()


def grid_jobs(consultation):
    sql = "SELECT count(*) FROM job_outbox WHERE func = 'app.maps.tasks.refresh_grid' AND args->>0 = :cid"
    return db.session.execute(text(sql), {"cid": str(consultation.id)}).scalar()


def last_entry(item):
    return db.session.execute(
        text("SELECT max(id) FROM moderation_actions WHERE target_id = :id"), {"id": item.id}
    ).scalar()


def test_undo_a_refusal_restores_status_flags_counters_and_the_queue(
    client, make_consultation, make_contribution, make_user, moderator
):
    consultation = make_consultation(qpv_codes=["QP062024"], moderation_mode="post")
    item = make_contribution(consultation, title="Idée signalée")
    for _ in range(2):
        services.flag_contribution(make_user(), item, "spam")
    db.session.commit()
    before = state(item)
    assert before["flag_count"] == 2 and before["reviewed_at"] is None
    services.reject(moderator, item, "Hors sujet")
    db.session.commit()
    assert state(item)["status"] == "rejected" and open_flags(item) == 0
    jobs = grid_jobs(consultation)
    response = client.post(
        "/api/moderation/undo", json={"action_ids": [last_entry(item)]}, headers=bearer(moderator)
    )
    assert response.status_code == 200 and response.get_json() == {"undone": [item.id]}
    assert state(item) == before  # published, no reason, 2 open flags, back in « À relire »
    assert open_flags(item) == 2
    assert grid_jobs(consultation) == jobs + 1  # the map grid is refreshed through the usual job
    entry = actions_of("contribution", item.id)[-1]
    assert (entry.action, entry.actor_id) == ("undo", moderator.id)
    assert entry.before["status"] == "rejected" and entry.after["status"] == "published"


def test_undo_a_publication_and_an_outcome_change(client, consultation, make_contribution, moderator):
    pending = make_contribution(consultation, status="pending", title="En attente")
    answered = make_contribution(consultation, title="Déjà répondue")
    services.set_official_answer(moderator, answered, "a_l_etude", "Nous regardons.")
    db.session.commit()
    before_pending, before_answered = state(pending), state(answered)
    services.approve(moderator, pending)
    services.set_official_answer(moderator, answered, "retenue", "C'est retenu.")
    db.session.commit()
    services.undo(moderator, [last_entry(pending), last_entry(answered)])
    db.session.commit()
    assert state(pending) == before_pending and state(pending)["published_at"] is None
    assert state(answered) == before_answered and state(answered)["outcome"] == "a_l_etude"


def test_a_bulk_action_is_undone_from_the_notice(client, consultation, make_contribution, moderator):
    items = [make_contribution(consultation, status="pending", title=f"Lot {i}") for i in range(3)]
    db.session.commit()
    login(client, moderator)
    token = csrf_token(client, "/moderation")
    response = client.post(
        "/moderation/actions-groupees",
        data={"csrf_token": token, "action": "approve", "ids": [str(i.id) for i in items]},
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    notice = re.search(r"<div class=\"mod-undo\".*?</div>", html, re.S).group(0)
    ids = re.findall(r'name="action_ids" value="(\d+)"', notice)
    assert len(ids) == 3 and "Annuler" in notice and "data-undo-dismiss" in notice
    assert "mod-undo" not in client.get("/moderation").get_data(as_text=True)  # shown once
    undone = client.post("/moderation/annulation", data={"csrf_token": token, "action_ids": ids})
    assert undone.status_code == 302
    assert {state(i)["status"] for i in items} == {"pending"}
    assert [e.action for e in actions_of("contribution", items[0].id)] == ["approve", "undo"]


def test_the_detail_offers_to_undo_the_latest_decision(client, consultation, make_contribution, moderator):
    item = make_contribution(consultation, status="pending")
    login(client, moderator)
    token = csrf_token(client, "/moderation")
    client.post(
        f"/moderation/contributions/{item.id}/decision", data={"csrf_token": token, "action": "approve"}
    )
    html = client.get(f"/moderation/contributions/{item.id}").get_data(as_text=True)
    assert "Annuler la dernière décision" in html and "data-undo-notice" in html
    form = re.search(r"<form[^>]*data-undo-detail>.*?</form>", html, re.S).group(0)
    entry_id = re.search(r'name="action_ids" value="(\d+)"', form).group(1)
    assert (
        client.post("/moderation/annulation", data={"csrf_token": token, "action_ids": entry_id}).status_code
        == 302
    )
    assert state(item)["status"] == "pending"
    assert "Annuler la dernière décision" not in client.get(f"/moderation/contributions/{item.id}").get_data(
        as_text=True
    )


def test_undo_is_refused_after_the_delay(
    client, app, consultation, make_contribution, moderator, monkeypatch
):
    from app.consultations.models import utcnow

    item = make_contribution(consultation, status="pending")
    services.approve(moderator, item)
    db.session.commit()
    entry_id = last_entry(item)
    late = utcnow() + timedelta(seconds=app.config["MODERATION_UNDO_SECONDS"] + 1)
    monkeypatch.setattr(sys.modules["app.moderation.services.undo"], "utcnow", lambda: late)
    response = client.post("/api/moderation/undo", json={"action_ids": [entry_id]}, headers=bearer(moderator))
    message = response.get_json()["error"]["message"]
    assert response.status_code == 409 and "Trop tard" in message and "5 minutes" in message
    assert state(item)["status"] == "published"


def test_undo_is_refused_when_someone_changed_the_idea_since(
    client, consultation, make_contribution, make_user
):
    first, second = make_user(role="moderator"), make_user(role="moderator")
    item = make_contribution(consultation, status="pending", title="Un banc")
    services.approve(first, item)
    db.session.commit()
    entry_id = last_entry(item)
    services.edit_contribution(second, item, title="Un banc à l'ombre")
    db.session.commit()
    response = client.post("/api/moderation/undo", json={"action_ids": [entry_id]}, headers=bearer(first))
    assert response.status_code == 409 and "modifiée depuis" in response.get_json()["error"]["message"]
    assert state(item)["status"] == "published"
    # An undo is done once: a second one finds the undo itself after the decision.
    other = make_contribution(consultation, status="pending")
    services.approve(first, other)
    db.session.commit()
    entry_id = last_entry(other)
    services.undo(first, [entry_id])
    db.session.commit()
    again = client.post("/api/moderation/undo", json={"action_ids": [entry_id]}, headers=bearer(first))
    assert again.status_code == 409 and state(other)["status"] == "pending"
