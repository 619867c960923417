"""Notification mails: Jinja bodies (text + HTML), one-click unsubscribe (RFC 8058), signed tokens."""

from contextlib import contextmanager

from flask import current_app, render_template, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from app.i18n import recipient_locale
from app.mail import build_message
from app.notifications.models import KINDS
from app.territory.identity import territory_identity

SALT = "notifications-unsubscribe"
# The subject of each kind's mails, translated for each recipient (the event carries values, not text).
MAIL_SUBJECTS = {
    "answer": _l("Réponse officielle : %(outcome)s"),
    "new_idea": _l("Une nouvelle idée dans ce que vous suivez"),
    "restitution": _l("La restitution de la concertation est publiée"),
}
# The title (and fixed summary) of each kind, written in the reader's language from the stored values.
TITLES = {
    "answer": _l("Réponse officielle (%(outcome)s) : « %(title)s »"),
    "new_idea": _l("Nouvelle idée : « %(title)s »"),
    "restitution": _l("Ce que vous avez dit, ce que le projet en fait : « %(title)s »"),
}
SUMMARIES = {"restitution": _l("L'équipe projet publie le bilan de la concertation et ses réponses.")}
DIGEST = "digest"


def notification_title(kind, values, stored):
    """The title of a notification in the current locale, from its values; `stored` (French) for rows
    from before the values were kept."""
    template = TITLES.get(kind)
    if not values or template is None or "title" not in values:
        return stored
    values = dict(values)
    if kind == "answer":
        from app.contributions.models import OUTCOME_LABELS

        if "outcome" not in values:
            return stored
        values["outcome"] = str(OUTCOME_LABELS.get(values["outcome"], ""))
    return str(template) % values


def localized(row):
    """A notification row (mapping) as a dict whose title and fixed summary are in the current locale."""
    item = dict(row)
    if item.get("title_values"):
        item["title"] = notification_title(item["kind"], item["title_values"], item["title"])
        if item["kind"] in SUMMARIES:
            item["summary"] = str(SUMMARIES[item["kind"]])
    return item


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user_id, kind):
    """A signed token naming one user and one kind of mail (or the weekly digest)."""
    return _serializer().dumps({"u": int(user_id), "k": kind})


def read_token(token):
    """(user_id, kind) from a token, or None when it was altered."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in (*KINDS, DIGEST):
        return None
    return int(data["u"]), data["k"]


@contextmanager
def public_links():
    """A request context on PUBLIC_BASE_URL so url_for builds the addresses put in mails."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        yield


def links(user_id, kind):
    """Unsubscribe and preferences addresses (absolute; call inside public_links())."""
    token = unsubscribe_token(user_id, kind)
    return {
        "unsubscribe": url_for("notifications.unsubscribe", token=token, _external=True),
        "preferences": url_for("notifications.preferences", _external=True),
        "notifications": url_for("notifications.index", _external=True),
    }


def unsubscribe_headers(url):
    """RFC 8058 headers: a POST to `url` stops these mails, without a session or a form token."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def event_subject(event):
    """The mail subject of an event in the current locale (the event's French text for other kinds)."""
    subject = MAIL_SUBJECTS.get(event["kind"])
    if subject is None:
        return event["mail_subject"]
    values = dict(event.get("subject_values") or {})
    if "outcome" in values:
        from app.contributions.models import OUTCOME_LABELS

        values["outcome"] = str(OUTCOME_LABELS.get(values["outcome"], ""))
    if event["kind"] == "answer" and "outcome" not in values:
        return event["mail_subject"]  # queued before subject_values existed
    return str(subject) % values if values else str(subject)


def notification_message(row, subject):
    """The mail of one notification (row from fanout.pending_mails)."""
    with recipient_locale(row):
        context = {"n": localized(row), "links": links(row["user_id"], row["kind"])}
        context["kind_label"] = KINDS[row["kind"]][0]
        body = render_template("notifications/mail/notification.txt", **context)
        html = render_template("notifications/mail/notification.html", **context)
        subject = gettext(subject)  # a French msgid from the event: in the recipient's language
    headers = unsubscribe_headers(context["links"]["unsubscribe"])
    return build_message(row["email"], subject, body, html, headers)


def personal_mail(user, kind, subject, text):
    """Send a mail about the user's own contribution (moderation decisions) unless they stopped them.

    The text comes from the caller; the Jinja layout adds the unsubscribe and preferences links."""
    from sqlalchemy import text as sql

    from app.extensions import db
    from app.mail import send_mail

    mode = db.session.scalar(
        sql("SELECT mode FROM notification_preferences WHERE user_id = :u AND kind = :k"),
        {"u": user.id, "k": kind},
    )
    if (mode or KINDS[kind][1]) == "never":
        return None
    with public_links(), recipient_locale(user):
        context = {"text": text, "links": links(user.id, kind), "kind_label": KINDS[kind][0]}
        body = render_template("notifications/mail/personal.txt", **context)
        html = render_template("notifications/mail/personal.html", **context)
    headers = unsubscribe_headers(context["links"]["unsubscribe"])
    # send_mail: a decision job run twice (outbox re-hand, retry) mails once (sent_mails).
    return send_mail(user.email, subject, body, html, headers)


def digest_message(user, items):
    """The weekly digest of one user: `items` are their notifications, newest first."""
    count = user["total"]
    with recipient_locale(user):
        items = [localized(item) for item in items]
        context = {"user": user, "items": items, "links": links(user["user_id"], DIGEST)}
        body = render_template("notifications/mail/digest.txt", **context)
        html = render_template("notifications/mail/digest.html", **context)
        subject = ngettext(
            "%(platform)s : %(num)s nouveauté cette semaine",
            "%(platform)s : %(num)s nouveautés cette semaine",
            count,
            platform=territory_identity().platform_name,
        )
    return build_message(
        user["email"], subject, body, html, unsubscribe_headers(context["links"]["unsubscribe"])
    )
