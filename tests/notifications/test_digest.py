"""The weekly digest: an RQ job, one mail per user with weekly items, batches of set-based SQL."""

from datetime import timedelta

from sqlalchemy import text

from app.consultations.models import utcnow
from app.extensions import db, get_queue
from app.notifications import services
from tests.notifications.conftest import text_of


def _notify(users, n_each=2, kind="new_idea", days_ago=1):
    """Notifications inserted in SQL, as the fan-out job does (no mail sent yet)."""
    db.session.execute(
        text(
            "INSERT INTO notifications (user_id, kind, event_key, reason, title, summary, url, created_at)"
            " SELECT u, CAST(:kind AS text), CAST(:kind AS text) || ':' || u || ':' || i, 'qpv', 'Nouvelle idée n° ' || i, '', '/idees/' || i,"
            "        now() - make_interval(days => :days) + make_interval(mins => i)"
            " FROM unnest(CAST(:users AS int[])) u, generate_series(1, :n) i"
        ),
        {"users": [u.id for u in users], "n": n_each, "kind": kind, "days": days_ago},
    )
    db.session.commit()


def test_the_digest_job_mails_each_weekly_user_once_with_their_items_and_unsubscribe(
    make_user, run_jobs, smtp
):
    weekly = [make_user() for _ in range(3)]
    silent, eager = make_user(), make_user()
    services.set_preferences(silent, {"new_idea": "never"})
    services.set_preferences(eager, {"new_idea": "immediate"})
    _notify([*weekly, silent, eager], n_each=3)
    get_queue("mail").enqueue("app.notifications.tasks.send_weekly_digest")
    run_jobs(["mail"])
    for user in weekly:
        [message] = smtp.to(user.email)
        body = text_of(message)
        assert message["Subject"] == "Carte Commune : 3 nouveautés cette semaine"
        assert body.index("Nouvelle idée n° 3") < body.index("Nouvelle idée n° 1")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/notifications/preferences" in body
    assert smtp.to(silent.email) == [] and smtp.to(eager.email) == []
    # A second run finds nothing new; the « at once » notifications were left to their own job.
    smtp.clear()
    from app.notifications.tasks import send_weekly_digest

    assert send_weekly_digest()["mails"] == 0 and smtp.messages == []
    left = db.session.scalar(
        text("SELECT count(*) FROM notifications WHERE user_id = :u AND digested_at IS NULL"), {"u": eager.id}
    )
    assert left == 3


def test_the_digest_unsubscribe_stops_every_weekly_kind(app, make_user, smtp):
    from urllib.parse import urlsplit

    from app.notifications.queries import preferences
    from app.notifications.tasks import send_weekly_digest

    user = make_user()
    _notify([user], n_each=1)
    send_weekly_digest()
    [message] = smtp.to(user.email)
    url = message["List-Unsubscribe"].strip("<>")
    response = app.test_client().post(urlsplit(url).path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    modes = {k: m for k, _l, m in preferences(user)}
    assert modes["new_idea"] == "never" and modes["news"] == "never" and modes["answer"] == "immediate"


def test_the_digest_lists_at_most_n_items_and_links_the_rest(app, make_user, smtp):
    from app.notifications.tasks import send_weekly_digest

    user = make_user()
    _notify([user], n_each=25)
    send_weekly_digest()
    [message] = smtp.to(user.email)
    body = text_of(message)
    assert body.count("Nouvelle idée n° ") == app.config["NOTIFICATION_DIGEST_ITEMS"] == 20
    assert "… et 5 autres" in body and "/notifications" in body


def test_the_digest_runs_a_fixed_number_of_statements_whatever_the_number_of_recipients(
    app, make_user, count_queries, smtp
):
    from app.notifications.tasks import send_weekly_digest

    def statements_for(n_users):
        users = [make_user() for _ in range(n_users)]
        _notify(users, n_each=2)
        with count_queries() as statements:
            result = send_weekly_digest(until=utcnow() + timedelta(seconds=1))
        assert result["mails"] == n_users
        return len(statements)

    assert statements_for(2) == statements_for(12)
    app.config["NOTIFICATION_DIGEST_BATCH"], saved = 2, app.config["NOTIFICATION_DIGEST_BATCH"]
    try:
        one, two, three = statements_for(2), statements_for(4), statements_for(6)
    finally:
        app.config["NOTIFICATION_DIGEST_BATCH"] = saved
    # Each batch of recipients costs the same few statements (select, items, mark, commit).
    assert three - two == two - one <= 6
