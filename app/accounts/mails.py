"""The account mails (confirmation, password reset, sign-up attempt on an existing account), queued for
the mail worker after the commit."""

import logging

from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from rq import Retry

from app.accounts import tokens
from app.i18n import recipient_locale
from app.jobs import enqueue_after_commit

# In development the links are also printed on the console, so no mail server is needed.
console = logging.getLogger("carte_commune.accounts.mails")


def public_url(endpoint, **values):
    """An absolute link built on PUBLIC_BASE_URL (never on the request's Host header)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def confirmation_link(user):
    return public_url(
        "accounts.confirm", token=tokens.dump(tokens.CONFIRM, {"uid": user.id, "email": user.email})
    )


def reset_link(user):
    data = {"uid": user.id, "v": user.session_version}
    return public_url("accounts.reset_password", token=tokens.dump(tokens.RESET, data))


def send_confirmation_mail(user):
    """Queue the « confirmez votre adresse » mail."""
    link = confirmation_link(user)
    with recipient_locale(user):
        body = render_template("accounts/mail/confirm.txt", user=user, link=link)
        subject = _("Confirmez votre adresse e-mail — Carte Commune")
    _queue(user.email, subject, body, link)
    return link


def send_reset_mail(user):
    """Queue the password-reset mail."""
    link = reset_link(user)
    with recipient_locale(user):
        body = render_template("accounts/mail/reset.txt", user=user, link=link)
        subject = _("Réinitialisation de votre mot de passe — Carte Commune")
    _queue(user.email, subject, body, link)
    return link


def send_existing_account_mail(user):
    """Queue « quelqu'un a voulu créer un compte avec votre adresse » (sign-up never says so itself)."""
    links = {"login": public_url("accounts.login"), "reset": public_url("accounts.reset_request")}
    with recipient_locale(user):
        body = render_template("accounts/mail/existing_account.txt", user=user, **links)
        subject = _("Tentative de création de compte avec votre adresse — Carte Commune")
    _queue(user.email, subject, body, links["login"])


def _queue(to, subject, body, link):
    enqueue_after_commit(
        "mail", "app.mail.send_mail", to, subject, body, retry=Retry(max=3, interval=[10, 60, 300])
    )
    if current_app.config.get("ENV_NAME") == "development":
        console.info("Mail « %s » pour %s — lien : %s", subject, to, link)


def init_console(app):
    """Show the account mail links on the console in development."""
    if app.config.get("ENV_NAME") != "development" or console.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[comptes] %(message)s"))
    console.addHandler(handler)
    console.setLevel(logging.INFO)
    console.propagate = False
