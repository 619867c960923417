"""Notifications: RQ jobs enqueued after the commit, run by a real worker on Redis, mails in the outbox."""

from pathlib import Path

import pytest

from app.extensions import db, get_queue
from app.mail import outbox_messages
from app.moderation import services
from tests.conftest import bearer, csrf_token, login


@pytest.fixture(autouse=True)
def empty_outbox(app):
    for path in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"):
        path.unlink()


def mails_to(address):
    return [m for m in outbox_messages() if m["To"] == address]


def text_of(message):
    return message.get_body(("plain",)).get_content()


def test_reject_in_a_request_queues_a_job_after_the_commit_and_the_worker_mails_the_reason(
    client, consultation, make_contribution, make_user, moderator, run_jobs
):
    author = make_user()
    item = make_contribution(consultation, author=author, status="pending", title="Un terrain de boules")
    mail = get_queue("mail")
    mail.empty()
    response = client.post(
        f"/api/moderation/contributions/{item.id}/decision",
        json={"action": "reject", "reason": "Le lieu est une propriété privée"},
        headers=bearer(moderator),
    )
    assert response.status_code == 200
    jobs = mail.get_jobs()
    assert [j.func_name for j in jobs] == ["app.moderation.tasks.notify_decision"]
    run_jobs(["mail"])
    [message] = mails_to(author.email)
    body = text_of(message)
    assert message["Subject"] == "Votre contribution n'a pas été publiée"
    assert "Un terrain de boules" in body and "Le lieu est une propriété privée" in body
    assert f"/idees/{item.id}" in body


def test_a_failed_request_queues_nothing(client, consultation, make_contribution, make_user, moderator):
    item = make_contribution(consultation, author=make_user(), status="pending")
    db.session.commit()
    get_queue("mail").empty()
    response = client.post(
        f"/api/moderation/contributions/{item.id}/decision",
        json={"action": "unhide"},
        headers=bearer(moderator),
    )
    assert response.status_code == 409
    assert get_queue("mail").count == 0


def test_official_answer_mails_the_author_and_each_voter_once(
    client, consultation, make_contribution, make_user, make_vote, moderator, run_jobs
):
    from app.accounts.services import erase_account

    author, voters = make_user(), [make_user() for _ in range(3)]
    gone = make_user()
    item = make_contribution(consultation, author=author, title="Rouvrir la piscine Tournesol")
    for user in voters:
        make_vote(item, user, 1)
    make_vote(item, author, 1)  # the author voted too: still one mail
    make_vote(item, gone, -1)
    erase_account(gone)
    login(client, moderator)
    response = client.post(
        f"/moderation/contributions/{item.id}/reponse",
        data={
            "csrf_token": csrf_token(client, "/moderation"),
            "outcome": "retenue",
            "official_answer": "La réouverture est inscrite au budget 2027.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (item.outcome, item.official_answer) == ("retenue", "La réouverture est inscrite au budget 2027.")
    assert item.answered_by_id == moderator.id and item.answered_at is not None
    run_jobs(["mail"])
    for user in [author, *voters]:
        [message] = mails_to(user.email)
        assert message["Subject"] == "Réponse officielle : Retenue"
        assert "inscrite au budget 2027" in text_of(message)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "que vous avez proposée" in text_of(mails_to(author.email)[0])
    assert "sur laquelle vous avez voté" in text_of(mails_to(voters[0].email)[0])


def test_suspension_is_mailed_with_its_reason(consultation, make_user, moderator, run_jobs):
    from datetime import timedelta

    from app.consultations.models import utcnow

    user = make_user()
    services.suspend_user(moderator, user, utcnow() + timedelta(days=7), "Insultes répétées")
    run_jobs(["mail"])
    [message] = mails_to(user.email)
    assert message["Subject"] == "Votre compte est suspendu" and "Insultes répétées" in message.get_content()
