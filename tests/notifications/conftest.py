"""Fixtures of the notification tests: a real SMTP server (aiosmtpd) on a free local port."""

import socket
import threading
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from tests.moderation.conftest import FreshUserClient


class Inbox:
    """What the local SMTP server received: parsed messages, with their envelope recipients."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address):
        with self.lock:
            return [message for rcpt, message in self.messages if address in rcpt]

    def clear(self):
        with self.lock:
            self.messages.clear()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    """Start an SMTP server and point the app at it (MAIL_SERVER/MAIL_PORT); yields its Inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    try:
        yield inbox
    finally:
        app.config.update(saved)
        controller.stop()


@pytest.fixture
def client(app):
    return FreshUserClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def consultation(make_consultation):
    """An open, post-moderated consultation on the Cité 12/14 (Lens)."""
    return make_consultation(qpv_codes=["QP062024"])


@pytest.fixture
def moderator(make_user):
    return make_user(role="moderator")


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()
