"""RQ jobs: tell authors, voters and sanctioned users what the moderation decided (by e-mail)."""

from flask import current_app

from app.accounts.models import User
from app.contributions.models import Comment, Contribution
from app.extensions import db
from app.mail import send_mail
from app.moderation.models import ModerationAction
from app.notifications.mails import personal_mail
from app.templating import paris_date, url_if


def signature():
    """The mails' closing line, with the platform's name from the territory's data."""
    from app.territory.identity import territory_identity

    return f"\n\nL'équipe de la concertation — {territory_identity().platform_name}"


DECISION_MAILS = {
    "approve": (
        "Votre contribution est publiée",
        "Bonne nouvelle : votre contribution « {title} » a été validée et est maintenant visible de tous.",
    ),
    "unhide": (
        "Votre contribution est de nouveau visible",
        "Votre contribution « {title} » est de nouveau visible de tous.",
    ),
    "reject": (
        "Votre contribution n'a pas été publiée",
        "Votre contribution « {title} » n'a pas été publiée.\n\nMotif : {reason}\n\n"
        "Vous pouvez en proposer une nouvelle version qui respecte la charte de la concertation.",
    ),
    "hide": (
        "Votre contribution a été masquée",
        "Votre contribution « {title} » a été masquée par l'équipe de modération.\n\nMotif : {reason}",
    ),
    "merge": (
        "Votre contribution a été regroupée avec une proposition semblable",
        "Votre contribution « {title} » ressemblait beaucoup à une autre proposition : elles ont été "
        "regroupées pour que les soutiens s'additionnent. Vos votes et commentaires sont conservés.\n\n"
        "La proposition regroupée : {target_url}",
    ),
}


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
    body = template.format(
        title=contribution.title,
        reason=action.reason or "non précisé",
        target_url=contribution_url(target) if target else "",
    )
    if action.action in ("approve", "unhide", "reject", "hide"):
        body += f"\n\nVotre contribution : {contribution_url(contribution)}"
    return personal_mail(author, "moderation", subject, f"Bonjour {author.pseudonym},\n\n{body}{signature()}")


def notify_comment_decision(action_id):
    """Mail the author of a hidden comment, with the reason."""
    action = db.session.get(ModerationAction, action_id)
    comment = db.session.get(Comment, action.target_id) if action else None
    author = db.session.get(User, comment.author_id) if comment and comment.author_id else None
    if author is None or not author.email or author.deleted_at:
        return None
    body = (
        f"Bonjour {author.pseudonym},\n\nVotre commentaire du {paris_date(comment.created_at)} a été masqué "
        f"par l'équipe de modération.\n\nMotif : {action.reason or 'non précisé'}{signature()}"
    )
    return personal_mail(author, "moderation", "Votre commentaire a été masqué", body)


def notify_sanction(action_id):
    """Mail a user who was suspended, banned or whose sanction was lifted."""
    action = db.session.get(ModerationAction, action_id)
    user = db.session.get(User, action.target_id) if action else None
    if user is None or not user.email:
        return None
    if action.action == "suspend":
        subject = "Votre compte est suspendu"
        text = f"Votre compte est suspendu jusqu'au {paris_date(user.suspended_until, True)}."
    elif action.action == "ban":
        subject = "Votre compte est bloqué"
        text = "Votre compte ne peut plus publier, voter ni commenter."
    else:
        subject = "Votre compte est rétabli"
        text = "Vous pouvez de nouveau participer à la concertation."
    if action.reason:
        text += f"\n\nMotif : {action.reason}"
    return send_mail(user.email, subject, f"Bonjour {user.pseudonym},\n\n{text}{signature()}")
