"""Notification mails through a real SMTP server: one mail per answer, RFC 8058 one-click unsubscribe."""

import re
from urllib.parse import urlsplit

from app.extensions import db
from app.notifications import services
from app.notifications.mails import unsubscribe_token
from tests.conftest import csrf_token, login
from tests.notifications.conftest import html_of, text_of


def answer(client, moderator, item, text, outcome="retenue"):
    login(client, moderator)
    response = client.post(
        f"/moderation/contributions/{item.id}/reponse",
        data={"csrf_token": csrf_token(client, "/moderation"), "outcome": outcome, "official_answer": text},
    )
    assert response.status_code == 302
    return response


def test_a_qpv_follower_gets_one_mail_with_one_click_unsubscribe_then_no_more(
    app, client, consultation, make_user, make_contribution, moderator, run_jobs, smtp
):
    follower, author = make_user(), make_user()
    services.follow(follower, "qpv", "QP062024")
    db.session.commit()
    item = make_contribution(consultation, author=author, title="Un city-stade rue Bollaert")
    answer(client, moderator, item, "Le city-stade est inscrit au programme 2027.")
    run_jobs(["mail"])

    [message] = smtp.to(follower.email)
    assert message["Subject"] == "Réponse officielle : Retenue"
    body = text_of(message)
    assert "Un city-stade rue Bollaert" in body and "inscrit au programme 2027" in body
    assert "dans un quartier que vous suivez" in body
    assert "/notifications/preferences" in body and "/notifications/preferences" in html_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert url.startswith(app.config["PUBLIC_BASE_URL"].rstrip("/") + "/notifications/desabonnement/")
    assert len(smtp.to(author.email)) == 1  # the author follows their idea by default

    # A mail client's one-click POST: no session cookie, no CSRF token.
    anonymous = app.test_client()
    response = anonymous.post(
        urlsplit(url).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "Vous ne recevrez plus" in response.get_data(as_text=True)

    smtp.clear()
    other = make_contribution(consultation, author=author, title="Des bancs place Jean Jaurès")
    answer(client, moderator, other, "Les bancs seront posés au printemps.")
    run_jobs(["mail"])
    assert smtp.to(follower.email) == []
    assert len(smtp.to(author.email)) == 1  # the author did not unsubscribe


def test_new_ideas_go_to_the_weekly_digest_by_default_or_at_once_when_chosen(
    client, consultation, make_user, make_contribution, run_jobs, smtp
):
    weekly, eager, author = make_user(), make_user(), make_user()
    for user in (weekly, eager):
        services.follow(user, "consultation", consultation.id)
    services.set_preferences(eager, {"new_idea": "immediate"})
    db.session.commit()
    login(client, author)
    response = client.post(
        f"/consultations/{consultation.slug}/proposer",
        data={
            "csrf_token": csrf_token(client, f"/consultations/{consultation.slug}/proposer"),
            "theme": "cadre-de-vie-espaces-publics",
            "title": "Un abri vélo à la gare",
            "body": "Couvert et éclairé.",
            "geometry": _inside(consultation),
        },
    )
    assert response.status_code == 302
    run_jobs(["default", "mail"])  # the idea's follow-up job queues its followers' notification
    [message] = smtp.to(eager.email)
    assert message["Subject"] == "Une nouvelle idée dans ce que vous suivez"
    assert "Un abri vélo à la gare" in text_of(message)
    assert smtp.to(weekly.email) == [] and smtp.to(author.email) == []


def _inside(consultation):
    import json

    from sqlalchemy import text

    lon, lat = db.session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM consultations WHERE id = :id) s"
        ),
        {"id": consultation.id},
    ).one()
    return json.dumps({"type": "Point", "coordinates": [lon, lat]})


def test_the_unsubscribe_page_asks_first_and_a_forged_token_changes_nothing(app, make_user):
    from app.notifications.queries import preferences

    user = make_user()
    client = app.test_client()
    token = unsubscribe_token(user.id, "answer")
    page = client.get(f"/notifications/desabonnement/{token}")
    assert page.status_code == 200 and "Confirmer le désabonnement" in page.get_data(as_text=True)
    assert dict((k, m) for k, _l, m in preferences(user))["answer"] == "immediate"
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/notifications/desabonnement/{forged}").status_code == 404
    assert dict((k, m) for k, _l, m in preferences(user))["answer"] == "immediate"
    assert client.post(f"/notifications/desabonnement/{token}").status_code == 200
    assert dict((k, m) for k, _l, m in preferences(user))["answer"] == "never"


def test_moderation_decision_mails_carry_the_unsubscribe_link_and_respect_it(
    app, consultation, make_user, make_contribution, moderator, run_jobs, smtp
):
    from urllib.parse import urlsplit

    from app.moderation.services import hide

    author = make_user()
    first = make_contribution(consultation, author=author, title="Une fresque sur le mur du gymnase")
    second = make_contribution(consultation, author=author, title="Des nichoirs dans le parc")
    hide(moderator, first, "Photo d'une personne reconnaissable")
    db.session.commit()
    run_jobs(["mail"])
    [message] = smtp.to(author.email)
    assert message["Subject"] == "Votre contribution a été masquée"
    assert "Photo d'une personne reconnaissable" in text_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/preferences" in html_of(message)
    url = message["List-Unsubscribe"].strip("<>")
    assert (
        app.test_client().post(urlsplit(url).path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    )
    smtp.clear()
    hide(moderator, second, "Doublon d'une autre idée")
    db.session.commit()
    run_jobs(["mail"])
    assert smtp.to(author.email) == []


def test_a_notification_title_is_written_in_each_reader_s_language(
    app, client, consultation, make_user, make_contribution, moderator, run_jobs, smtp
):
    """The title is kept as values, not as French text: the page and the mail say it in the reader's
    language (English, Arabic), and in French for a French reader."""
    english, arabic, french = make_user(locale="en"), make_user(locale="ar"), make_user()
    for user in (english, arabic, french):
        services.follow(user, "qpv", "QP062024")
    db.session.commit()
    item = make_contribution(consultation, title="Un city-stade rue Bollaert")
    answer(client, moderator, item, "Le city-stade est inscrit au programme 2027.")
    run_jobs(["mail"])

    expected = {
        english: "Official answer (Adopted): “Un city-stade rue Bollaert”",
        arabic: "الرد الرسمي (",
        french: "Réponse officielle (Retenue) : « Un city-stade rue Bollaert »",
    }
    for user, title in expected.items():
        [message] = smtp.to(user.email)
        assert title in text_of(message), user.locale
        reader = app.test_client()
        login(reader, user)
        page = reader.get("/notifications").get_data(as_text=True)
        assert title in page, user.locale
    assert "Réponse officielle" not in text_of(smtp.to(english.email)[0])
