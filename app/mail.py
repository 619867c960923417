"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise a local outbox folder (development, tests).

Mails are sent by the RQ worker (`enqueue_mail`), never inside a request."""

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app

from app.consultations.models import utcnow
from app.extensions import db, get_queue


def build_message(to, subject, body, html=None, headers=None):
    """A mail with a plain-text body, an optional HTML alternative and extra headers."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="cartecommune.fr")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(to, subject, body, html=None, headers=None):
    """Send one mail now (SMTP relay, or a .eml file in the outbox folder).

    Run by an RQ job, the mail is recorded (sent_mails, by job id): the same job run again
    (handed to RQ twice, retried after a crash) does not send it twice."""
    from rq import get_current_job

    job = get_current_job()
    if job is not None and already_sent(job.id):
        current_app.logger.info("Mail of job %s already sent: skipped", job.id)
        return None
    sent = send_messages([build_message(to, subject, body, html, headers)])[0]
    if job is not None:
        record_sent(job.id, to)
    return sent


def already_sent(job_id):
    from app.outbox.models import SentMail

    return db.session.get(SentMail, job_id) is not None


def record_sent(job_id, to):
    """Remember that the mail of this job left (committed at once: the mail is gone, whatever follows)."""
    from app.outbox.models import SentMail

    db.session.add(SentMail(job_id=job_id, recipient=to, sent_at=utcnow()))
    db.session.commit()


def send_messages(messages):
    """Send built messages over one SMTP connection (or to the outbox folder); their ids or paths."""
    config = current_app.config
    if not messages:
        return []
    if not config["MAIL_SERVER"]:
        return [_write_outbox(message) for message in messages]
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for message in messages:
            smtp.send_message(message)
    return [message["Message-ID"] for message in messages]


def _write_outbox(message):
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    current_app.logger.info("Mail to %s written to %s", message["To"], path)
    return str(path)


def enqueue_mail(to, subject, body, job_id=None):
    """Queue a mail for the worker; returns the RQ job (None when `job_id` was already queued)."""
    from rq import Retry
    from rq.exceptions import DuplicateJobError

    try:
        return get_queue("mail").enqueue_call(
            "app.mail.send_mail",
            args=(to, subject, body),
            retry=Retry(max=3, interval=[10, 60, 300]),
            job_id=job_id,
            unique=job_id is not None,
        )
    except DuplicateJobError:
        return None


def outbox_messages():
    """Parsed messages of the local outbox, oldest first (development and tests)."""
    from email import policy
    from email.parser import BytesParser

    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    if not outbox.exists():
        return []
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted(outbox.glob("*.eml"))]
