"""Writes: follow and unfollow, default follows of authors and voters, preferences, unsubscribe,
and `notify(kind, subject, …)`: the one entry point for any event residents may hear about."""

from flask import has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from rq import Retry
from sqlalchemy import text

from app.consultations.models import Consultation, utcnow
from app.contributions.models import OUTCOME_LABELS, Contribution
from app.errors import Invalid, NotFound
from app.extensions import db
from app.jobs import enqueue_after_commit
from app.notifications.follows import UPSERT_FOLLOW
from app.notifications.mails import DIGEST, public_links
from app.notifications.models import KINDS, MODES, TARGET_TYPES, default_mode
from app.templating import url_if
from app.territory.models import Qpv

MAIL_RETRY = Retry(max=3, interval=[10, 60, 300])


def check_target(target_type, target_key):
    """The followed object (published idea, published consultation or QPV), or NotFound."""
    if target_type not in TARGET_TYPES:
        raise Invalid(_("On peut suivre une idée, une concertation ou un quartier."))
    key = str(target_key or "").strip()[:16]
    target = None
    if target_type == "qpv":
        target = db.session.get(Qpv, key)
    elif key.isdigit():
        model = Contribution if target_type == "contribution" else Consultation
        target = db.session.get(model, int(key))
    visible = target is not None and (
        (target_type == "contribution" and target.status == "published")
        or (target_type == "consultation" and target.is_published)
        or target_type == "qpv"
    )
    if not visible:
        raise NotFound(_("Ce que vous voulez suivre n'existe pas ou n'est pas public."))
    return target, key


def follow(user, target_type, target_key):
    """Follow an idea, a consultation or a QPV (again, if it had been undone)."""
    _target, key = check_target(target_type, target_key)
    params = {"u": user.id, "t": target_type, "k": key, "origin": "manual", "active": True}
    db.session.execute(text(UPSERT_FOLLOW + "UPDATE SET active = true"), params)


def unfollow(user, target_type, target_key):
    """Stop following; kept as an inactive row so that default follows (author, voter) stay undone."""
    key = str(target_key or "").strip()[:16]
    if target_type not in TARGET_TYPES:
        raise Invalid(_("On peut suivre une idée, une concertation ou un quartier."))
    params = {"u": user.id, "t": target_type, "k": key, "origin": "manual", "active": False}
    db.session.execute(text(UPSERT_FOLLOW + "UPDATE SET active = false"), params)


def set_preferences(user, modes):
    """Save the mail mode of each kind ({kind: immediate|weekly|never})."""
    for kind, mode in modes.items():
        if kind not in KINDS or mode not in MODES:
            raise Invalid(
                _("Choix inconnu."), fields={kind: [_("Tout de suite, résumé hebdomadaire ou jamais.")]}
            )
        _save_mode(user.id, kind, mode)


def _save_mode(user_id, kind, mode):
    db.session.execute(
        text(
            "INSERT INTO notification_preferences (user_id, kind, mode, updated_at) VALUES (:u, :k, :m, now())"
            " ON CONFLICT (user_id, kind) DO UPDATE SET mode = EXCLUDED.mode, updated_at = now()"
        ),
        {"u": user_id, "k": kind, "m": mode},
    )


def unsubscribe(user_id, kind):
    """Stop the mails of one kind (or every kind sent in the weekly digest); returns the kinds stopped."""
    if kind != DIGEST:
        _save_mode(user_id, kind, "never")
        return [kind]
    rows = db.session.execute(
        text("SELECT kind, mode FROM notification_preferences WHERE user_id = :u"), {"u": user_id}
    ).all()
    saved = dict(rows)
    stopped = [k for k in KINDS if saved.get(k, default_mode(k)) == "weekly"]
    for name in stopped:
        _save_mode(user_id, name, "never")
    return stopped


def forget_user(user):
    """Delete the follows, notifications and preferences of a deleted account (RGPD)."""
    for table in ("follows", "notifications", "notification_preferences"):
        db.session.execute(text(f"DELETE FROM {table} WHERE user_id = :u"), {"u": user.id})


def mark_all_read(user):
    """Mark every notification of the user as read."""
    db.session.execute(
        text("UPDATE notifications SET read_at = now() WHERE user_id = :u AND read_at IS NULL"),
        {"u": user.id},
    )


# --- events ------------------------------------------------------------------------------------------
def notify(
    kind,
    subject,
    *,
    title,
    path,
    mail_subject,
    summary="",
    event_key=None,
    actor=None,
    include_own=True,
    subject_values=None,
    title_values=None,
):
    """Tell the followers of `subject` (idea, consultation or QPV) after the commit; returns the job id.

    The job inserts one notification per follower (set-based) and mails those who want it at once;
    the others get it in the weekly digest. `event_key` makes a retried or repeated event harmless."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    subject_type, subject_key = _subject(subject)
    event = {
        "kind": kind,
        "subject_type": subject_type,
        "subject_key": subject_key,
        "title": title,
        "summary": summary,
        "url": path,
        "mail_subject": mail_subject,  # French; mails.event_subject() gives it in each recipient's language
        "subject_values": subject_values or {},
        "title_values": title_values,  # the title in each reader's language (mails.notification_title)
        "event_key": (event_key or f"{kind}:{subject_type}:{subject_key}:{utcnow():%Y%m%d%H%M%S%f}")[:80],
        "actor_id": actor.id if actor is not None else None,
        "include_own": include_own,
        "contribution_id": subject.id if subject_type == "contribution" else None,
        "consultation_id": subject.consultation_id
        if subject_type == "contribution"
        else (subject.id if subject_type == "consultation" else None),
    }
    return enqueue_after_commit("mail", "app.notifications.tasks.deliver", event, retry=MAIL_RETRY)


def _subject(subject):
    if isinstance(subject, Contribution):
        return "contribution", str(subject.id)
    if isinstance(subject, Consultation):
        return "consultation", str(subject.id)
    if isinstance(subject, Qpv):
        return "qpv", subject.code
    raise TypeError("notify() needs a contribution, a consultation or a QPV")


def path_for(endpoint, **values):
    """The path of a public page (inside a request, or on PUBLIC_BASE_URL in jobs and commands)."""
    if has_request_context():
        return url_if(endpoint, **values)
    with public_links():
        return url_if(endpoint, **values)


def notify_answer(contribution, action_id, actor=None):
    """An official answer was published: the idea's followers, authors and voters are told."""
    # The notification's title is stored (read later in any language): in French, the source language.
    with force_locale("fr"):
        outcome = str(OUTCOME_LABELS.get(contribution.outcome, ""))
    return notify(
        "answer",
        contribution,
        title=f"Réponse officielle ({outcome}) : « {contribution.title} »",
        summary=contribution.official_answer or "",
        path=path_for("contributions.detail", contribution_id=contribution.id),
        mail_subject=f"Réponse officielle : {outcome}",
        subject_values={"outcome": contribution.outcome},
        title_values={"title": contribution.title, "outcome": contribution.outcome},
        event_key=f"answer:{action_id}",
        actor=actor,
    )


def notify_new_idea(contribution):
    """A new idea is published: followers of its QPV and consultation hear of it (digest by default)."""
    return notify(
        "new_idea",
        contribution,
        title=f"Nouvelle idée : « {contribution.title} »",
        summary=(contribution.body or "")[:500],
        path=path_for("contributions.detail", contribution_id=contribution.id),
        mail_subject="Une nouvelle idée dans ce que vous suivez",
        title_values={"title": contribution.title},
        event_key=f"new_idea:{contribution.id}",
        actor=contribution.author,
        include_own=False,
    )
