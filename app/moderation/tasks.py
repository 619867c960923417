"""RQ jobs: tell authors, voters and sanctioned users what the moderation decided (by e-mail)."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.contributions.models import Comment, Contribution
from app.extensions import db
from app.i18n import recipient_locale
from app.mail import send_mail
from app.moderation.models import ModerationAction
from app.notifications.mails import personal_mail
from app.templating import paris_date, url_if


def signature():
    """The mails' closing line, with the platform's name from the territory's data (current locale)."""
    from app.territory.identity import territory_identity

    return _("L'équipe de la concertation — %(platform)s", platform=territory_identity().platform_name)


DECISION_MAILS = {
    "approve": (
        _l("Votre contribution est publiée"),
        _l(
            "Bonne nouvelle : votre contribution « %(title)s » a été validée et est maintenant visible de tous."
        ),
    ),
    "unhide": (
        _l("Votre contribution est de nouveau visible"),
        _l("Votre contribution « %(title)s » est de nouveau visible de tous."),
    ),
    "reject": (
        _l("Votre contribution n'a pas été publiée"),
        _l(
            "Votre contribution « %(title)s » n'a pas été publiée.\n\nMotif : %(reason)s\n\n"
            "Vous pouvez en proposer une nouvelle version qui respecte la charte de la concertation."
        ),
    ),
    "hide": (
        _l("Votre contribution a été masquée"),
        _l(
            "Votre contribution « %(title)s » a été masquée par l'équipe de modération.\n\nMotif : %(reason)s"
        ),
    ),
    "merge": (
        _l("Votre contribution a été regroupée avec une proposition semblable"),
        _l(
            "Votre contribution « %(title)s » ressemblait beaucoup à une autre proposition : elles ont été "
            "regroupées pour que les soutiens s'additionnent. Vos votes et commentaires sont conservés.\n\n"
            "La proposition regroupée : %(target_url)s"
        ),
    ),
}


def _letter(user, text):
    """The body of a personal mail: greeting, text, signature (in the current locale)."""
    return _("Bonjour %(pseudonym)s,", pseudonym=user.pseudonym) + f"\n\n{text}\n\n{signature()}"


def _public_url(endpoint, fallback, **values):
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        path = url_if(endpoint, **values) or fallback
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def contribution_url(contribution):
    """Public address of a contribution (its page, or the consultation page)."""
    fallback = f"/consultations/{contribution.consultation.slug}"
    return _public_url("contributions.detail", fallback, contribution_id=contribution.id)


def notify_decision(action_id):
    """Mail the author of a contribution about a decision (approve, reject, hide, unhide, merge)."""
    action = db.session.get(ModerationAction, action_id)
    contribution = db.session.get(Contribution, action.target_id) if action else None
    author = db.session.get(User, contribution.author_id) if contribution and contribution.author_id else None
    if author is None or not author.email or author.deleted_at or action.action not in DECISION_MAILS:
        return None
    subject, template = DECISION_MAILS[action.action]
    target = (
        db.session.get(Contribution, contribution.merged_into_id) if contribution.merged_into_id else None
    )
    with recipient_locale(author):
        body = template % {
            "title": contribution.title,
            "reason": action.reason or _("non précisé"),
            "target_url": contribution_url(target) if target else "",
        }
        if action.action in ("approve", "unhide", "reject", "hide"):
            body += "\n\n" + _("Votre contribution : %(url)s", url=contribution_url(contribution))
        return personal_mail(author, "moderation", str(subject), _letter(author, body))


def notify_comment_decision(action_id):
    """Mail the author of a hidden comment, with the reason."""
    action = db.session.get(ModerationAction, action_id)
    comment = db.session.get(Comment, action.target_id) if action else None
    author = db.session.get(User, comment.author_id) if comment and comment.author_id else None
    if author is None or not author.email or author.deleted_at:
        return None
    with recipient_locale(author):
        text = _(
            "Votre commentaire du %(date)s a été masqué par l'équipe de modération.\n\nMotif : %(reason)s",
            date=paris_date(comment.created_at),
            reason=action.reason or _("non précisé"),
        )
        return personal_mail(author, "moderation", _("Votre commentaire a été masqué"), _letter(author, text))


def notify_sanction(action_id):
    """Mail a user who was suspended, banned or whose sanction was lifted."""
    action = db.session.get(ModerationAction, action_id)
    user = db.session.get(User, action.target_id) if action else None
    if user is None or not user.email:
        return None
    with recipient_locale(user):
        if action.action == "suspend":
            subject = _("Votre compte est suspendu")
            text = _(
                "Votre compte est suspendu jusqu'au %(date)s.", date=paris_date(user.suspended_until, True)
            )
        elif action.action == "ban":
            subject = _("Votre compte est bloqué")
            text = _("Votre compte ne peut plus publier, voter ni commenter.")
        else:
            subject = _("Votre compte est rétabli")
            text = _("Vous pouvez de nouveau participer à la concertation.")
        if action.reason:
            text += "\n\n" + _("Motif : %(reason)s", reason=action.reason)
        body = _letter(user, text)
    return send_mail(user.email, subject, body)
