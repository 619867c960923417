"""Decisions on contributions: statuses, reasons, audit entries, bulk, pre-moderation visibility."""

import pytest
from sqlalchemy import text

from app.contributions.services import create_contribution
from app.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from app.moderation import services
from tests.conftest import bearer, login
from tests.moderation.conftest import actions_of, centre


def test_each_decision_changes_the_status_and_writes_one_audit_entry(
    consultation, make_contribution, moderator, resident
):
    item = make_contribution(consultation, author=resident, status="pending")
    services.approve(moderator, item)
    assert item.status == "published" and item.published_at is not None
    services.hide(moderator, item, "Propos agressifs")
    assert (item.status, item.moderation_reason) == ("hidden", "Propos agressifs")
    services.unhide(moderator, item)
    assert item.status == "published" and item.moderation_reason is None
    services.reject(moderator, item, "Hors sujet")
    assert (item.status, item.moderation_reason) == ("rejected", "Hors sujet")

    entries = actions_of("contribution", item.id)
    assert [e.action for e in entries] == ["approve", "hide", "unhide", "reject"]
    assert {e.actor_id for e in entries} == {moderator.id}
    assert [(e.before["status"], e.after["status"]) for e in entries] == [
        ("pending", "published"),
        ("published", "hidden"),
        ("hidden", "published"),
        ("published", "rejected"),
    ]
    assert entries[3].reason == "Hors sujet" and entries[3].after["moderation_reason"] == "Hors sujet"


def test_reject_and_hide_need_a_reason_and_write_nothing_without_one(
    consultation, make_contribution, moderator
):
    item = make_contribution(consultation, status="pending")
    for action in ("reject", "hide"):
        with pytest.raises(Invalid) as error:
            services.decide(moderator, item, action, "   ")
        assert "reason" in error.value.fields
    assert item.status == "pending" and actions_of("contribution", item.id) == []


def test_wrong_status_is_a_conflict_and_only_staff_decide(
    consultation, make_contribution, moderator, resident
):
    item = make_contribution(consultation, status="pending")
    with pytest.raises(Conflict):
        services.unhide(moderator, item)
    with pytest.raises(Forbidden):
        services.approve(resident, item)
    merged = make_contribution(consultation, status="merged")
    with pytest.raises(Conflict):
        services.approve(moderator, merged)


def test_the_api_decision_with_a_listed_reason_and_free_text(
    client, consultation, make_contribution, moderator, reasons
):
    item = make_contribution(consultation, status="pending")
    response = client.post(
        f"/api/moderation/contributions/{item.id}/decision",
        json={"action": "reject", "reason_id": reasons[2].id, "reason": "le lieu est à Arras"},
        headers=bearer(moderator),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "rejected"
    assert body["moderation_reason"] == f"{reasons[2].label} : le lieu est à Arras"
    # Bad input: 422 with French fields, nothing written.
    other = make_contribution(consultation, status="pending")
    db.session.commit()
    response = client.post(
        f"/api/moderation/contributions/{other.id}/decision",
        json={"action": "reject"},
        headers=bearer(moderator),
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["reason"]
    response = client.post(
        f"/api/moderation/contributions/{other.id}/decision",
        json={"action": "delete"},
        headers=bearer(moderator),
    )
    assert response.status_code == 422 and "action" in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert other.status == "pending" and actions_of("contribution", other.id) == []


def test_bulk_decision_applies_to_the_selection_and_skips_the_others(
    client, consultation, make_contribution, moderator
):
    pending = [make_contribution(consultation, status="pending", title=f"Idée {i}") for i in range(5)]
    rejected = make_contribution(consultation, status="rejected")
    ids = [c.id for c in pending] + [rejected.id]
    response = client.post(
        "/api/moderation/contributions/bulk",
        json={"ids": ids, "action": "hide", "reason": "Spam"},
        headers=bearer(moderator),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["done"] == [c.id for c in pending] and body["skipped"] == [rejected.id]
    assert len(body["undo_action_ids"]) == 5  # the bulk action can be undone for a few minutes
    db.session.expire_all()
    assert {c.status for c in pending} == {"hidden"} and rejected.status == "rejected"
    count = db.session.execute(
        text("SELECT count(*) FROM moderation_actions WHERE action = 'hide' AND target_id = ANY(:ids)"),
        {"ids": ids},
    ).scalar()
    assert count == 5


def test_bulk_form_from_the_inbox(client, consultation, make_contribution, moderator):
    items = [make_contribution(consultation, status="pending", title=f"Idée {i}") for i in range(3)]
    login(client, moderator)
    from tests.conftest import csrf_token

    token = csrf_token(client, "/moderation")
    response = client.post(
        "/moderation/actions-groupees",
        data={
            "csrf_token": token,
            "action": "approve",
            "ids": [str(c.id) for c in items[:2]],
            "next": "/moderation?tab=pending",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/moderation?tab=pending")
    db.session.expire_all()
    assert [c.status for c in items] == ["published", "published", "pending"]
    # A reject without a reason: the error is shown, nothing is written.
    response = client.post(
        "/moderation/actions-groupees",
        data={"csrf_token": token, "action": "reject", "ids": [str(items[2].id)]},
        follow_redirects=True,
    )
    assert "motif" in response.get_data(as_text=True)
    db.session.expire_all()
    assert items[2].status == "pending"


def test_pre_moderation_pending_is_visible_to_its_author_only_until_approved(
    client, consultation, moderator, make_user
):
    author, other = make_user(), make_user()
    lon, lat = centre(consultation)
    item = create_contribution(
        author,
        consultation,
        {"type": "Point", "coordinates": [lon, lat]},
        "cadre-de-vie-espaces-publics",
        "Un passage piéton devant la pharmacie",
        "Les voitures roulent vite.",
    )
    assert item.status == "pending"
    db.session.commit()  # a failed request rolls the shared session back: keep the setup
    url = f"/api/contributions/{item.id}"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=bearer(other)).status_code == 404
    mine = client.get(url, headers=bearer(author))
    assert mine.status_code == 200 and mine.get_json()["status"] == "pending"
    listing = client.get(f"/api/consultations/{consultation.slug}/contributions").get_json()
    assert item.id not in [
        c["id"] for c in listing.get("items", listing if isinstance(listing, list) else [])
    ]

    response = client.post(
        f"/api/moderation/contributions/{item.id}/decision",
        json={"action": "approve"},
        headers=bearer(moderator),
    )
    assert response.status_code == 200
    public = client.get(url)
    assert public.status_code == 200 and public.get_json()["status"] == "published"


def test_rejected_contribution_shows_its_reason_to_its_author_only(
    client, consultation, make_contribution, moderator, make_user
):
    author = make_user()
    item = make_contribution(consultation, author=author, status="pending")
    services.reject(moderator, item, "Données personnelles")
    db.session.commit()
    assert client.get(f"/api/contributions/{item.id}").status_code == 404
    assert (
        client.get(f"/api/contributions/{item.id}", headers=bearer(author)).get_json()["status"] == "rejected"
    )
