"""Helpers for the account tests: form posts with the CSRF token, mails of the outbox."""

import re
import uuid
from urllib.parse import urlsplit

import pytest
from flask import g, request_started

from app.extensions import db
from app.mail import outbox_messages
from tests.conftest import csrf_token
from tests.notifications.conftest import smtp  # noqa: F401 (the real SMTP server fixture, aiosmtpd)


@pytest.fixture(autouse=True)
def _fresh_user_per_request(app):
    """Test-client requests reuse the test's app context, hence `g`: forget Flask-Login's cached user
    and Flask-WTF's cached CSRF token at each request, as a real server (one app context per request)."""

    def forget(sender, **extra):
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


def save():
    """Release the test's savepoint: a request answering >= 400 rolls the shared session back, and
    would otherwise take the test's own setup with it."""
    db.session.commit()


def _saving(factory):
    def wrapped(*args, **kwargs):
        made = factory(*args, **kwargs)
        save()
        return made

    return wrapped


# The shared factories, with their rows kept through the requests' rollbacks (see save()).
@pytest.fixture
def make_user(make_user):
    return _saving(make_user)


@pytest.fixture
def make_contribution(make_contribution):
    return _saving(make_contribution)


@pytest.fixture
def make_vote(make_vote):
    return _saving(make_vote)


@pytest.fixture
def make_comment(make_comment):
    return _saving(make_comment)


def post_form(client, path, data, **kwargs):
    """POST a form as a browser would: with the session's CSRF token."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client)}, **kwargs)


def unique_email(prefix="habitant"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}@exemple.fr"


def mails_to(address):
    """Outbox messages sent to `address` (the outbox folder is shared by the whole test run)."""
    return [m for m in outbox_messages() if m["To"] == address]


def link_path(message, prefix):
    """The path of the first link in a mail whose path starts with `prefix`."""
    for url in re.findall(r"https?://\S+", message.get_content()):
        path = urlsplit(url).path
        if path.startswith(prefix):
            return path
    raise AssertionError(f"no {prefix} link in the mail")


@pytest.fixture
def signup_data():
    suffix = uuid.uuid4().hex[:6]
    return {
        "pseudonym": f"Habitante {suffix}",
        "email": unique_email(),
        "password": "une phrase de passe assez longue",
        "consent": "y",
    }
