"""RQ jobs: fan an event out to its followers and mail them; the weekly digest in batches."""

from datetime import UTC, datetime
from itertools import groupby

from flask import current_app
from flask_babel import force_locale

from app.extensions import db
from app.mail import send_messages
from app.notifications import digest, fanout
from app.notifications.mails import digest_message, event_subject, notification_message, public_links
from app.notifications.models import default_mode


def deliver(event):
    """Create the notifications of `event` (dict from services.notify), then mail the « at once » ones."""
    created = fanout.create_notifications(event)
    db.session.commit()
    mailed = mail_event(event)
    return {"notified": created, "mailed": mailed}


def mail_event(event):
    """Mail the pending « at once » notifications of one event, batch by batch (committed per batch)."""
    batch_size = current_app.config["NOTIFICATION_MAIL_BATCH"]
    after, mailed = 0, 0
    while True:
        rows = fanout.pending_mails(event["event_key"], default_mode(event["kind"]), after, batch_size)
        if not rows:
            return mailed
        messages = []
        with public_links():
            for row in rows:
                with force_locale(row["locale"] or "fr"):  # each recipient in their own language
                    messages.append(notification_message(row, event_subject(event)))
        send_messages(messages)
        fanout.mark_mailed([row["id"] for row in rows])
        db.session.commit()
        mailed += len(rows)
        after = rows[-1]["id"]


def send_weekly_digest(until=None):
    """One mail per user with weekly-mode notifications not yet delivered; returns counters."""
    config = current_app.config
    until = datetime.fromisoformat(until) if isinstance(until, str) else (until or datetime.now(UTC))
    batch_size, per_user = config["NOTIFICATION_DIGEST_BATCH"], config["NOTIFICATION_DIGEST_ITEMS"]
    after, users, mails = 0, 0, 0
    while True:
        ids = digest.batch_user_ids(after, until, batch_size)
        if not ids:
            return {"users": users, "mails": mails}
        rows = digest.digest_items(ids, until, per_user)
        with public_links():
            messages = []
            for _user_id, group in groupby(rows, key=lambda row: row["user_id"]):
                items = list(group)
                with force_locale(items[0]["locale"] or "fr"):
                    messages.append(digest_message(items[0], items))
        send_messages(messages)
        digest.mark_digested(ids, until)
        db.session.commit()
        users += len(ids)
        mails += len(messages)
        after = ids[-1]
        _progress(users=users, mails=mails)


def _progress(**values):
    """Counters in job.meta (read by `make bench` and by people watching a long digest)."""
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        job.meta.update(values)
        job.save_meta()
