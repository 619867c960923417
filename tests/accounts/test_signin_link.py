"""Signing in without a password: a link mailed through a real SMTP server (aiosmtpd), used once,
short-lived, for confirmed and active accounts only, with the same answer whether the address has an
account or not; the request survives Redis going away (outbox); two concurrent clicks sign in once."""

import http.client
import re
import threading
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from redis import Redis
from sqlalchemy import select, update

from app.accounts.models import SigninLink, User
from app.accounts.services import set_password
from app.consultations.models import utcnow
from app.extensions import db, redis_connection
from app.moderation.models import ModerationAction
from app.outbox.models import OutboxJob
from app.outbox.relay import relay
from tests.accounts.conftest import post_form, save, unique_email

NEUTRAL = "Si un compte confirmé existe pour cette adresse, nous venons d'y envoyer un lien de connexion"


def _ask(client, email, next_path=None):
    path = "/connexion/lien" + (f"?next={next_path}" if next_path else "")
    return post_form(client, path, {"email": email})


def _flashes(client):
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def _path_of(message):
    urls = re.findall(r"https?://\S+", message.get_body(("plain",)).get_content())
    (url,) = [u for u in urls if "/connexion/lien/" in u]
    return urlsplit(url).path


def _link(smtp, email):
    (message,) = smtp.to(email)
    return message, _path_of(message)


def _links(user):
    db.session.expire_all()
    return db.session.scalars(select(SigninLink).where(SigninLink.user_id == user.id)).all()


def _me(client):
    return client.get("/api/me")


def test_request_receive_click_signs_in_and_brings_back_then_a_second_click_is_refused(
    app, client, make_user, make_consultation, run_jobs, smtp
):
    user = make_user(email=unique_email("lien"))
    consultation = make_consultation()
    map_path = f"/consultations/{consultation.slug}/carte"
    page = client.get("/connexion?next=" + map_path).get_data(as_text=True)
    assert "Recevoir un lien de connexion par e-mail" in page and f"/connexion/lien?next={map_path}" in page

    response = _ask(client, user.email.upper(), map_path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/connexion/lien?next={map_path}"
    assert NEUTRAL in _flashes(client)[0][1]
    assert _me(client).status_code == 401  # nothing but a mail yet
    run_jobs(["mail"])
    message, path = _link(smtp, user.email)
    assert message["Subject"] == "Votre lien de connexion — Carte Commune"
    assert "valable 15 minutes" in message.get_body(("plain",)).get_content()
    raw = path.rsplit("/", 1)[1]
    (link,) = _links(user)
    assert link.token_hash == SigninLink.hash(raw) and raw not in link.token_hash  # stored hashed
    assert link.expires_at - link.created_at == timedelta(minutes=15) and link.used_at is None

    assert app.test_client().head(path).status_code == 204  # a mail service's link checker: not spent
    phone = app.test_client()  # the mail app of the phone: another browser
    response = phone.get(path)
    assert response.status_code == 302 and response.headers["Location"] == map_path
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert _me(phone).get_json()["id"] == user.id
    assert _links(user)[0].used_at is not None
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None
    actions = db.session.scalars(
        select(ModerationAction.action).where(
            ModerationAction.actor_id == user.id, ModerationAction.target_type == "user"
        )
    ).all()
    assert sorted(actions) == ["signin_link_sent", "signin_link_used"]

    again = app.test_client().get(path)
    assert again.status_code == 400
    assert "Ce lien de connexion a déjà servi" in unescape(again.get_data(as_text=True))
    assert "Set-Cookie" not in again.headers  # refused: no session opened
    assert _me(app.test_client()).status_code == 401


def test_an_expired_link_is_refused_and_the_lifetime_is_configurable(app, client, make_user, run_jobs, smtp):
    user = make_user(email=unique_email("expire"))
    app.config["SIGNIN_LINK_MINUTES"] = 5
    try:
        assert _ask(client, user.email).status_code == 302
        run_jobs(["mail"])
        message, path = _link(smtp, user.email)
        assert "valable 5 minutes" in message.get_body(("plain",)).get_content()
        (link,) = _links(user)
        assert link.expires_at - link.created_at == timedelta(minutes=5)
        db.session.execute(
            update(SigninLink)
            .where(SigninLink.id == link.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        save()
        response = app.test_client().get(path)
    finally:
        app.config.pop("SIGNIN_LINK_MINUTES")
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "Ce lien de connexion a expiré" in html and "Demander un nouveau lien" in html
    assert _links(user)[0].used_at is None


def test_the_answer_is_the_same_whether_the_address_has_an_account_or_not(app, make_user, run_jobs, smtp):
    known = make_user(email=unique_email("connu"))
    unconfirmed = make_user(email=unique_email("pasconfirme"), confirmed=False)
    suspended = make_user(email=unique_email("suspendu"), suspended_until=utcnow() + timedelta(days=2))
    banned = make_user(email=unique_email("banni"), banned_at=utcnow())
    nobody = unique_email("inconnu")
    answers = {}
    for email in (known.email, nobody, unconfirmed.email, suspended.email, banned.email):
        browser = app.test_client()
        response = _ask(browser, email)
        answers[email] = (response.status_code, response.headers["Location"], _flashes(browser))
    assert len(set(map(repr, answers.values()))) == 1
    assert NEUTRAL in answers[nobody][2][0][1]
    run_jobs(["mail"])
    assert len(smtp.to(known.email)) == 1
    assert [rcpt for rcpt, _m in smtp.messages] == [[known.email]]  # no mail for the others
    for user in (unconfirmed, suspended, banned):
        assert _links(user) == []


def test_an_account_suspended_or_banned_after_the_mail_cannot_use_the_link(
    app, client, make_user, run_jobs, smtp
):
    suspended, banned = make_user(email=unique_email("s")), make_user(email=unique_email("b"))
    for user in (suspended, banned):
        assert _ask(app.test_client(), user.email).status_code == 302
    run_jobs(["mail"])
    paths = {user.id: _link(smtp, user.email)[1] for user in (suspended, banned)}
    suspended.suspended_until = utcnow() + timedelta(days=1)
    banned.banned_at = utcnow()
    save()
    for user, words in ((suspended, "Votre compte est suspendu"), (banned, "Votre compte a été banni")):
        browser = app.test_client()
        response = browser.get(paths[user.id])
        assert response.status_code == 403 and words in unescape(response.get_data(as_text=True))
        assert _me(browser).status_code == 401


def test_a_password_change_or_a_later_sign_in_ends_the_outstanding_links(app, make_user, run_jobs, smtp):
    user = make_user(email=unique_email("mdp"))
    for _n in range(2):
        assert _ask(app.test_client(), user.email).status_code == 302
    run_jobs(["mail"])
    first, second = (_path_of(message) for message in smtp.to(user.email))
    assert app.test_client().get(second).status_code == 302
    assert app.test_client().get(first).status_code == 400  # the sign-in spent the other link too

    assert _ask(app.test_client(), user.email).status_code == 302
    smtp.clear()
    run_jobs(["mail"])
    _message, third = _link(smtp, user.email)
    set_password(db.session.get(User, user.id), "un tout nouveau mot de passe")
    save()
    assert app.test_client().get(third).status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\r\nLocation: //evil.example",
    ],
)
def test_the_next_path_never_leaves_the_site(app, client, make_user, run_jobs, smtp, target):
    user = make_user(email=unique_email("redir"))
    response = post_form(client, "/connexion/lien", {"email": user.email}, query_string={"next": target})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]
    run_jobs(["mail"])
    _message, path = _link(smtp, user.email)
    response = app.test_client().get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_requests_are_rate_limited_per_ip_and_links_per_account(app, make_user, run_jobs, smtp):
    user = make_user(email=unique_email("flot"))
    browser = app.test_client()
    for _n in range(5):
        assert _ask(browser, user.email).status_code == 302
    assert _ask(browser, user.email).status_code == 429
    run_jobs(["mail"])
    assert len(smtp.to(user.email)) == 3  # SIGNIN_LINKS_PER_WINDOW: the mailbox is not flooded
    assert len(_links(user)) == 3


def test_a_request_survives_redis_going_away(app, client, make_user, run_jobs, smtp):
    user = make_user(email=unique_email("panne"))
    app.extensions["redis"] = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        response = _ask(client, user.email)
        assert response.status_code == 302  # acknowledged: recorded in PostgreSQL with its mail job
        db.session.expire_all()
        (row,) = db.session.scalars(select(OutboxJob).where(OutboxJob.func == "app.mail.send_mail")).all()
        assert row.dispatched_at is None
    finally:
        app.extensions.pop("redis", None)
    assert redis_connection().ping()
    assert relay() == 1
    run_jobs(["mail"])
    _message, path = _link(smtp, user.email)
    assert app.test_client().get(path).status_code == 302


def test_a_damaged_or_unknown_link_is_refused_in_french_without_a_cookie(client):
    response = client.get("/connexion/lien/pas-un-vrai-jeton")
    assert response.status_code == 400 and "Set-Cookie" not in response.headers
    assert "Ce lien de connexion n'est pas valable" in unescape(response.get_data(as_text=True))


@pytest.mark.committed
def test_two_concurrent_clicks_sign_in_once(app, live_server, make_user, run_jobs, smtp):
    user = make_user(email=unique_email("double"))
    assert _ask(app.test_client(), user.email).status_code == 302
    db.session.commit()
    run_jobs(["mail"])
    _message, path = _link(smtp, user.email)
    host, port = urlsplit(live_server.url).hostname, urlsplit(live_server.url).port
    barrier, answers = threading.Barrier(4), []

    def click():
        connection = http.client.HTTPConnection(host, port, timeout=10)
        barrier.wait()
        connection.request("GET", path)
        response = connection.getresponse()
        answers.append((response.status, response.getheader("Set-Cookie") or ""))
        connection.close()

    threads = [threading.Thread(target=click) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _cookie in answers)
    assert statuses == [302, 400, 400, 400]
    assert [cookie for status, cookie in answers if status == 302][0].startswith("session=")
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(ModerationAction.id).where(ModerationAction.action == "signin_link_used").limit(2)
        )
        is not None
    )
    used = db.session.scalars(
        select(ModerationAction).where(ModerationAction.action == "signin_link_used")
    ).all()
    assert len(used) == 1


def test_links_are_forgotten_with_the_account_and_purged_a_day_after_expiry(app, client, make_user):
    from app.accounts.services import erase_account
    from app.accounts.tasks import purge_signin_links

    old, fresh, erased = (make_user(email=unique_email(n)) for n in ("vieux", "frais", "efface"))
    for user in (old, fresh, erased):
        assert _ask(app.test_client(), user.email).status_code == 302
    db.session.execute(
        update(SigninLink)
        .where(SigninLink.user_id == old.id)
        .values(expires_at=utcnow() - timedelta(days=1, minutes=1))
    )
    erase_account(db.session.get(User, erased.id))
    assert _links(erased) == []
    assert purge_signin_links() == 1
    assert _links(old) == [] and len(_links(fresh)) == 1


def test_a_signed_in_resident_asking_for_a_link_goes_on(client, make_user):
    from tests.conftest import login

    login(client, make_user())
    response = client.get("/connexion/lien?next=/compte/idees")
    assert response.status_code == 302 and response.headers["Location"] == "/compte/idees"
