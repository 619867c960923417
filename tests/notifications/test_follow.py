"""Following: buttons on the pages, defaults for authors and voters (undoable), the notifications page."""

from sqlalchemy import text

from app.extensions import db
from app.notifications import services
from app.notifications.queries import follow_states, list_follows
from tests.conftest import csrf_token, login


def _follow_rows(user):
    return db.session.execute(
        text("SELECT target_type, target_key, origin, active FROM follows WHERE user_id = :u ORDER BY 1, 2"),
        {"u": user.id},
    ).all()


def test_a_resident_follows_a_qpv_and_a_consultation_from_the_consultation_page_then_stops(
    client, consultation, make_user
):
    user = make_user()
    login(client, user)
    page = client.get(f"/consultations/{consultation.slug}").get_data(as_text=True)
    assert "Suivre le quartier" in page and "Suivre cette concertation" in page
    token = csrf_token(client, f"/consultations/{consultation.slug}")
    for target_type, key in (("qpv", "QP062024"), ("consultation", str(consultation.id))):
        response = client.post(
            "/notifications/suivre",
            data={"csrf_token": token, "target_type": target_type, "target_key": key, "next": "/"},
        )
        assert response.status_code == 302 and response.headers["Location"] == "/"
    assert [tuple(r) for r in _follow_rows(user)] == [
        ("consultation", str(consultation.id), "manual", True),
        ("qpv", "QP062024", "manual", True),
    ]
    page = client.get("/notifications/suivis").get_data(as_text=True)
    assert consultation.title in page and "Ne plus suivre" in page
    client.post(
        "/notifications/ne-plus-suivre",
        data={"csrf_token": token, "target_type": "qpv", "target_key": "QP062024"},
    )
    assert follow_states(user, [("qpv", "QP062024")]) == {("qpv", "QP062024"): False}


def test_following_needs_the_form_token_and_a_public_target(
    client, consultation, make_user, make_contribution
):
    user = make_user()
    hidden = make_contribution(consultation, status="hidden", title="Masquée")
    login(client, user)
    assert (
        client.post(
            "/notifications/suivre", data={"target_type": "qpv", "target_key": "QP062024"}
        ).status_code
        == 400
    )
    token = csrf_token(client, "/")
    client.post(
        "/notifications/suivre",
        data={"csrf_token": token, "target_type": "contribution", "target_key": hidden.id},
    )
    client.post(
        "/notifications/suivre", data={"csrf_token": token, "target_type": "qpv", "target_key": "NOPE"}
    )
    assert _follow_rows(user) == []
    anonymous = client.application.test_client()
    assert anonymous.get("/notifications").status_code == 302


def test_authors_and_voters_follow_by_default_and_can_undo_it(
    client, consultation, make_user, make_contribution, make_vote, moderator, run_jobs
):
    author, voter, quitter = make_user(), make_user(), make_user()
    item = make_contribution(consultation, author=author, title="Des toilettes publiques au parc")
    login(client, voter)
    token = csrf_token(client, f"/idees/{item.id}")
    client.post(f"/idees/{item.id}/vote", data={"csrf_token": token, "value": "1"})
    assert ("contribution", str(item.id), "vote", True) in [tuple(r) for r in _follow_rows(voter)]
    make_vote(item, quitter, 1)
    for user in (author, voter, quitter):
        assert follow_states(user, [("contribution", item.id)]) == {("contribution", str(item.id)): True}
    assert [f["origin"] for f in list_follows(author)] == ["author"]
    services.unfollow(author, "contribution", item.id)
    services.unfollow(quitter, "contribution", item.id)
    db.session.commit()
    # Voting again does not make them follow again.
    login(client, quitter)
    token = csrf_token(client, f"/idees/{item.id}")
    client.post(f"/idees/{item.id}/vote", data={"csrf_token": token, "value": "-1"})
    assert follow_states(quitter, [("contribution", item.id)]) == {("contribution", str(item.id)): False}

    from app.moderation.services import set_official_answer

    set_official_answer(moderator, item, "a_l_etude", "Une étude de faisabilité est lancée.")
    db.session.commit()
    run_jobs(["mail"])
    notified = db.session.execute(
        text("SELECT user_id, reason FROM notifications WHERE contribution_id = :c ORDER BY user_id"),
        {"c": item.id},
    ).all()
    assert [tuple(r) for r in notified] == [(voter.id, "vote")]


def test_the_notifications_page_lists_what_happened_and_marks_it_read(
    client, consultation, make_user, make_contribution, moderator, run_jobs
):
    from app.moderation.services import set_official_answer

    follower = make_user()
    services.follow(follower, "consultation", consultation.id)
    item = make_contribution(consultation, author=make_user(), title="Un marché le samedi")
    set_official_answer(moderator, item, "non_retenue", "La place est trop petite pour un marché.")
    db.session.commit()
    run_jobs(["mail"])
    login(client, follower)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Réponse officielle (Non retenue) : « Un marché le samedi »" in page
    assert "La place est trop petite" in page and "1 non lue" in page
    assert f'href="/idees/{item.id}"' in page
    client.post("/notifications/lues", data={"csrf_token": csrf_token(client, "/notifications")})
    assert "non lue" not in client.get("/notifications").get_data(as_text=True)


def test_preferences_are_saved_per_kind(client, make_user):
    from app.notifications.queries import preferences

    user = make_user()
    login(client, user)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Réponses officielles" in page and "Résumé hebdomadaire" in page
    data = {"csrf_token": csrf_token(client, "/notifications/preferences")}
    data.update(answer="weekly", new_idea="never", restitution="immediate", news="never")
    assert client.post("/notifications/preferences", data=data).status_code == 302
    assert {k: m for k, _l, m in preferences(user)} == {
        "answer": "weekly",
        "new_idea": "never",
        "restitution": "immediate",
        "news": "never",
        "moderation": "immediate",  # not in the form: unchanged
    }
    data["answer"] = "sometimes"
    client.post("/notifications/preferences", data=data)
    assert {k: m for k, _l, m in preferences(user)}["answer"] == "weekly"


def test_deleting_an_account_forgets_what_it_followed(make_user, consultation):
    from app.accounts.services import erase_account

    user = make_user()
    services.follow(user, "qpv", "QP062024")
    services.set_preferences(user, {"answer": "weekly"})
    db.session.execute(
        text(
            "INSERT INTO notifications (user_id, kind, event_key, reason, title, summary, url, created_at)"
            " VALUES (:u, 'answer', 'x', 'qpv', 't', '', '/', now())"
        ),
        {"u": user.id},
    )
    erase_account(user)
    db.session.commit()
    for table in ("follows", "notifications", "notification_preferences"):
        assert (
            db.session.scalar(text(f"SELECT count(*) FROM {table} WHERE user_id = :u"), {"u": user.id}) == 0
        )
