"""Sanctions, roles, reject reasons and the append-only audit log (viewable and filterable by admins)."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.consultations.models import utcnow
from app.contributions.services import create_contribution
from app.errors import Forbidden, Invalid
from app.extensions import db
from app.moderation import services
from tests.conftest import csrf_token, login
from tests.moderation.conftest import actions_of, centre


def post_as(client, user, url, data):
    login(client, user)
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/moderation")})


def try_to_post(user, consultation):
    lon, lat = centre(consultation)
    return create_contribution(
        user, consultation, {"type": "Point", "coordinates": [lon, lat]}, "sante", "Une maison médicale", ""
    )


def test_suspension_until_a_date_then_lift(client, consultation, make_user, moderator):
    user = make_user()
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    response = post_as(
        client,
        moderator,
        f"/moderation/utilisateurs/{user.id}/sanction",
        {"action": "suspend", "until": tomorrow, "reason": "Propos injurieux"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not user.can_post() and user.suspension_reason == "Propos injurieux"
    assert user.suspended_until > utcnow() + timedelta(hours=20)
    assert user.can_post(now=utcnow() + timedelta(days=3))
    with pytest.raises(Forbidden):
        try_to_post(user, consultation)
    services.lift_sanction(moderator, user, "Excuses présentées")
    assert user.can_post()
    assert [e.action for e in actions_of("user", user.id)] == ["suspend", "lift_sanction"]


def test_ban_and_who_may_sanction_whom(consultation, make_user, moderator, admin):
    user, other_moderator = make_user(), make_user(role="moderator")
    services.ban_user(moderator, user, "Spam publicitaire répété")
    assert user.banned_at is not None and not user.can_post()
    with pytest.raises(Forbidden):
        services.ban_user(moderator, other_moderator, "Désaccord")
    with pytest.raises(Forbidden):
        services.ban_user(moderator, moderator, "Moi")
    with pytest.raises(Invalid):
        services.suspend_user(moderator, make_user(), utcnow() - timedelta(days=1), "Trop tard")
    with pytest.raises(Invalid):
        services.ban_user(moderator, make_user(), "  ")
    services.suspend_user(admin, other_moderator, utcnow() + timedelta(days=1), "Abus de pouvoir")
    assert not other_moderator.can_post()


def test_admins_grant_roles_moderators_cannot(client, make_user, moderator, admin):
    user = make_user()
    with pytest.raises(Forbidden):
        services.set_role(moderator, user, "moderator")
    with pytest.raises(Invalid):
        services.set_role(admin, user, "admin")
    for role in ("moderator", "urbanist", "facilitator"):
        services.set_role(admin, user, role)
        assert user.role == role
    entries = actions_of("user", user.id)
    assert [(e.before["role"], e.after["role"]) for e in entries] == [
        ("resident", "moderator"),
        ("moderator", "urbanist"),
        ("urbanist", "facilitator"),
    ]
    response = post_as(client, admin, f"/moderation/utilisateurs/{user.id}/role", {"role": "moderator"})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.role == "moderator"


def test_reject_reasons_are_edited_by_admins_and_offered_in_order(client, admin, moderator, reasons):
    response = post_as(client, admin, "/moderation/motifs", {"label": "Doublon d'une autre idée"})
    assert response.status_code == 302
    first = reasons[0]
    post_as(
        client, admin, f"/moderation/motifs/{first.id}", {"label": first.label, "position": "99"}
    )  # unchecked: inactive
    new_id = db.session.execute(
        text("SELECT id FROM reject_reasons WHERE label LIKE 'Doublon%'")
    ).scalar_one()
    login(client, moderator)
    page = client.get("/moderation").get_data(as_text=True)
    assert f'data-reason-id="{new_id}"' in page and f'data-reason-id="{first.id}"' not in page
    assert page.index(f'data-reason-id="{reasons[1].id}"') < page.index(f'data-reason-id="{new_id}"')
    entries = (
        db.session.execute(
            text("SELECT action FROM moderation_actions WHERE target_type = 'reject_reason' ORDER BY id")
        )
        .scalars()
        .all()
    )
    assert entries == ["reason_create", "reason_update"]


def test_audit_log_is_filterable_and_admin_only(
    client, consultation, make_contribution, make_user, moderator, admin
):
    a = make_contribution(consultation, status="pending", title="Première")
    b = make_contribution(consultation, status="pending", title="Seconde")
    services.approve(moderator, a)
    services.reject(admin, b, "Hors sujet total")
    login(client, admin)
    page = client.get("/moderation/journal").get_data(as_text=True)
    assert "Hors sujet total" in page and f"contribution n° {a.id}" in page
    page = client.get("/moderation/journal?action=approve").get_data(as_text=True)
    assert f"contribution n° {a.id}" in page and "Hors sujet total" not in page
    page = client.get(f"/moderation/journal?actor={moderator.pseudonym}").get_data(as_text=True)
    assert f"contribution n° {a.id}" in page and f"contribution n° {b.id}" not in page
    page = client.get(f"/moderation/journal?target_type=contribution&target_id={b.id}").get_data(as_text=True)
    assert "status : pending → rejected" in page and f"contribution n° {a.id}" not in page
    login(client, moderator)
    assert client.get("/moderation/journal").status_code == 403


def test_audit_rows_cannot_be_changed_or_deleted(consultation, make_contribution, moderator):
    item = make_contribution(consultation, status="pending")
    services.approve(moderator, item)
    db.session.commit()
    for statement in (
        "UPDATE moderation_actions SET reason = 'falsifié' WHERE target_id = :id",
        "DELETE FROM moderation_actions WHERE target_id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.session.begin_nested():
                db.session.execute(text(statement), {"id": item.id})
    assert [e.action for e in actions_of("contribution", item.id)] == ["approve"]


def test_every_moderation_action_leaves_one_audit_entry_with_actor_and_before_after(
    app, consultation, make_contribution, make_comment, make_user, moderator, admin
):
    from app.moderation.services import flags as flag_services

    author = make_user()
    one, two, three = (
        make_contribution(consultation, author=author, status="pending", title=f"Idée {n}") for n in "123"
    )
    comment = make_comment(make_contribution(consultation, author=author), author, "Un commentaire")
    services.approve(moderator, one)
    services.reject(moderator, two, "Hors sujet")
    services.hide(moderator, one, "Insulte")
    services.unhide(moderator, one)
    services.edit_contribution(moderator, one, title="Idée 1 corrigée", reason="orthographe")
    services.set_official_answer(moderator, one, "a_l_etude", "Nous étudions votre idée.")
    services.merge(moderator, three, one)
    services.hide_comment(moderator, comment, "Propos blessants")
    services.unhide_comment(moderator, comment)
    services.approve_comment(moderator, comment)
    user = make_user()
    services.suspend_user(moderator, user, utcnow() + timedelta(days=1), "Spam")
    services.lift_sanction(moderator, user)
    services.ban_user(moderator, user, "Spam encore")
    services.set_role(admin, make_user(), "urbanist")
    reason = services.create_reject_reason(admin, "Contribution en double")
    services.update_reject_reason(admin, reason, active=False)
    previous, app.config["FLAG_THRESHOLD"] = app.config["FLAG_THRESHOLD"], 1
    try:
        flag_services.flag_contribution(make_user(), one, "spam")
    finally:
        app.config["FLAG_THRESHOLD"] = previous

    rows = db.session.execute(
        text(
            "SELECT action, actor_id, before IS NOT NULL AS has_before, after IS NOT NULL AS has_after"
            " FROM moderation_actions ORDER BY id"
        )
    ).all()
    assert [r.action for r in rows] == [
        "approve",
        "reject",
        "hide",
        "unhide",
        "edit",
        "answer",
        "merge",
        "hide",
        "unhide",
        "approve",
        "suspend",
        "lift_sanction",
        "ban",
        "set_role",
        "reason_create",
        "reason_update",
        "auto_hide",
    ]
    assert [r.actor_id for r in rows[:13]] == [moderator.id] * 13
    assert [r.actor_id for r in rows[13:16]] == [admin.id] * 3 and rows[16].actor_id is None
    assert all(r.has_after for r in rows) and all(r.has_before for r in rows if r.action != "reason_create")
