"""Flags: any signed-in user, one per person and target, auto-hide at FLAG_THRESHOLD."""

import pytest

from app.extensions import db
from tests.conftest import bearer, csrf_token, login
from tests.moderation.conftest import actions_of


@pytest.fixture
def threshold(app):
    previous = app.config["FLAG_THRESHOLD"]
    app.config["FLAG_THRESHOLD"] = 3
    yield 3
    app.config["FLAG_THRESHOLD"] = previous


def flag(client, user, url, reason="insulte", details=None):
    return client.post(url, json={"reason": reason, "details": details}, headers=bearer(user))


def test_contribution_is_hidden_pending_review_at_the_threshold(
    client, threshold, consultation, make_contribution, make_user, moderator
):
    item = make_contribution(consultation, author=make_user())
    url = f"/api/contributions/{item.id}/flags"
    for n in range(1, threshold):
        response = flag(client, make_user(), url, details=f"signalement {n}")
        assert response.status_code == 201, response.get_json()
        db.session.expire_all()
        assert (item.status, item.flag_count) == ("published", n)
    assert flag(client, make_user(), url, reason="spam").status_code == 201
    db.session.expire_all()
    assert (item.status, item.flag_count) == ("hidden", threshold)
    assert "signalements" in item.moderation_reason
    entry = actions_of("contribution", item.id)[-1]
    assert (entry.action, entry.actor_id, entry.after["status"]) == ("auto_hide", None, "hidden")
    # It waits in the flagged tab; a moderator keeps it: published again, flags resolved.
    login(client, moderator)
    page = client.get("/moderation?tab=flagged").get_data(as_text=True)
    assert f'id="item-{item.id}"' in page
    response = client.post(
        f"/api/moderation/contributions/{item.id}/decision",
        json={"action": "approve"},
        headers=bearer(moderator),
    )
    assert response.status_code == 200 and response.get_json()["flag_count"] == 0
    db.session.expire_all()
    assert item.status == "published"
    assert f'id="item-{item.id}"' not in client.get("/moderation?tab=flagged").get_data(as_text=True)


def test_one_flag_per_person_and_no_anonymous_flag(client, consultation, make_contribution, make_user):
    item = make_contribution(consultation, author=make_user())
    someone = make_user()
    db.session.commit()
    url = f"/api/contributions/{item.id}/flags"
    assert flag(client, someone, url).status_code == 201
    again = flag(client, someone, url, reason="spam")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_flagged"
    anonymous = client.post(url, json={"reason": "spam"}, headers={"X-CSRFToken": csrf_token(client)})
    assert anonymous.status_code == 401
    bad = flag(client, make_user(), url, reason="je-n-aime-pas")
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["fields"]
    db.session.expire_all()
    assert item.flag_count == 1


def test_own_content_pending_content_and_suspended_users_cannot_flag(
    client, consultation, make_contribution, make_user
):
    from datetime import timedelta

    from app.consultations.models import utcnow

    author = make_user()
    item = make_contribution(consultation, author=author)
    pending = make_contribution(consultation, status="pending")
    suspended = make_user(suspended_until=utcnow() + timedelta(days=2))
    db.session.commit()
    assert flag(client, author, f"/api/contributions/{item.id}/flags").status_code == 422
    assert flag(client, make_user(), f"/api/contributions/{pending.id}/flags").status_code == 404
    assert flag(client, suspended, f"/api/contributions/{item.id}/flags").status_code == 403
    assert flag(client, make_user(), "/api/contributions/999999/flags").status_code == 404


def test_session_flag_needs_the_csrf_token(client, consultation, make_contribution, make_user):
    item = make_contribution(consultation, author=make_user())
    user = make_user()
    db.session.commit()
    login(client, user)
    url = f"/api/contributions/{item.id}/flags"
    assert client.post(url, json={"reason": "spam"}).status_code == 400
    token = csrf_token(client)
    response = client.post(url, json={"reason": "spam"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_comment_is_hidden_at_the_threshold_and_the_counter_follows(
    client, threshold, consultation, make_contribution, make_comment, make_user, moderator
):
    item = make_contribution(consultation, author=make_user())
    comment = make_comment(item, make_user(), "Un commentaire insultant")
    make_comment(item, make_user(), "Un commentaire correct")
    assert item.comment_count == 2
    for _ in range(threshold):
        assert flag(client, make_user(), f"/api/comments/{comment.id}/flags").status_code == 201
    db.session.expire_all()
    assert (comment.status, comment.flag_count) == ("hidden", threshold)
    assert item.comment_count == 1
    assert actions_of("comment", comment.id)[-1].action == "auto_hide"
    login(client, moderator)
    page = client.get("/moderation/commentaires?tab=flagged").get_data(as_text=True)
    assert "Un commentaire insultant" in page
    response = client.post(
        f"/api/moderation/comments/{comment.id}/decision",
        json={"action": "unhide"},
        headers=bearer(moderator),
    )
    assert response.status_code == 200 and response.get_json()["status"] == "published"
    db.session.expire_all()
    assert item.comment_count == 2 and comment.flag_count == 0


def test_flag_reasons_are_public(client):
    reasons = client.get("/api/flag-reasons").get_json()
    assert {"code": "insulte", "label": reasons[0]["label"]} in reasons and len(reasons) >= 5
