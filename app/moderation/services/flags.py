"""Flags raised by signed-in users; past FLAG_THRESHOLD unresolved flags the content is hidden."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from app.contributions.models import Comment, Contribution
from app.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from app.extensions import db
from app.moderation.models import Flag
from app.moderation.services.audit import record
from app.moderation.services.common import schedule_map_refresh

FLAG_REASONS = {
    "insulte": _l("Propos injurieux, haineux ou discriminatoires"),
    "donnees_personnelles": _l("Données personnelles (nom, adresse, photo d'une personne…)"),
    "spam": _l("Publicité ou spam"),
    "hors_sujet": _l("Hors sujet"),
    "doublon": _l("Doublon d'une autre contribution"),
    "autre": _l("Autre raison"),
}
AUTO_HIDE_REASON = {
    "contribution": "Masquée automatiquement à la suite de signalements, en attente d'examen par la modération.",
    "comment": "Masqué automatiquement à la suite de signalements, en attente d'examen par la modération.",
}
# One statement: count the flag and hide the target once the threshold is reached (if still published).
FLAG_UPDATE = (
    "UPDATE {table} SET flag_count = flag_count + 1,"
    " status = CASE WHEN status = 'published' AND flag_count + 1 >= :threshold THEN 'hidden' ELSE status END,"
    " moderation_reason = CASE WHEN status = 'published' AND flag_count + 1 >= :threshold THEN :reason"
    " ELSE moderation_reason END"
    " WHERE id = :id RETURNING flag_count, status"
)


def flag_contribution(user, contribution, reason, details=None):
    """Flag a published contribution; hides it once it has FLAG_THRESHOLD unresolved flags."""
    return _flag(user, contribution, "contribution", reason, details)


def flag_comment(user, comment, reason, details=None):
    """Flag a published comment; hides it once it has FLAG_THRESHOLD unresolved flags."""
    return _flag(user, comment, "comment", reason, details)


def get_flag_target(kind, target_id):
    """The contribution or comment being flagged, or NotFound."""
    model = Contribution if kind == "contribution" else Comment
    target = db.session.get(model, target_id)
    if target is None:
        raise NotFound(
            _("Cette contribution n'existe pas.")
            if kind == "contribution"
            else _("Ce commentaire n'existe pas.")
        )
    return target


def _flag(user, target, kind, reason, details):
    _check_flagger(user, target.author_id)
    details = _check_reason(reason, details)
    table = "contributions" if kind == "contribution" else "comments"
    # Lock the target: the status read here is the one the UPDATE below changes.
    status = db.session.execute(
        text(f"SELECT status FROM {table} WHERE id = :id FOR UPDATE"), {"id": target.id}
    )
    if status.scalar() != "published":
        raise NotFound(_("Ce contenu n'est pas publié."))
    flag = _insert_flag(user, f"{kind}_id", target.id, reason, details)
    row = db.session.execute(
        text(FLAG_UPDATE.format(table=table)),
        {
            "id": target.id,
            "threshold": current_app.config["FLAG_THRESHOLD"],
            "reason": AUTO_HIDE_REASON[kind],
        },
    ).one()
    db.session.expire(target)
    if row.status == "hidden":
        _after_auto_hide(target, kind, row.flag_count)
    return flag


def _after_auto_hide(target, kind, count):
    if kind == "comment":
        from app.moderation.services.decisions import recount_comments

        recount_comments([target.contribution_id])
        consultation_id = db.session.get(Contribution, target.contribution_id).consultation_id
    else:
        consultation_id = target.consultation_id
        schedule_map_refresh(consultation_id)
    record(
        None,
        "auto_hide",
        kind,
        target.id,
        consultation_id,
        AUTO_HIDE_REASON[kind],
        {"status": "published", "flag_count": count - 1},
        {"status": "hidden", "flag_count": count},
    )


def _check_flagger(user, author_id):
    if user is None or not user.is_authenticated:
        raise Unauthorized(_("Connectez-vous pour signaler un contenu."))
    if not user.can_post():
        raise Forbidden(_("Votre compte est suspendu : vous ne pouvez pas signaler de contenu."))
    if author_id is not None and author_id == user.id:
        raise Invalid(
            _("Vous ne pouvez pas signaler votre propre contenu."),
            fields={"reason": [_("C'est votre contenu.")]},
        )


def _check_reason(reason, details):
    if reason not in FLAG_REASONS:
        raise Invalid(
            _("Choisissez une raison de signalement."),
            fields={"reason": ["Raison attendue : " + ", ".join(FLAG_REASONS) + "."]},
        )
    details = (details or "").strip() or None
    if details and len(details) > 1000:
        raise Invalid(fields={"details": [_("1000 caractères au maximum.")]})
    return details


def _insert_flag(user, column, target_id, reason, details):
    # ON CONFLICT on the partial unique index: one flag per user and target, even under races.
    flag_id = db.session.execute(
        text(
            f"INSERT INTO flags ({column}, user_id, reason, details, created_at)"
            " VALUES (:target, :user, :reason, :details, now())"
            f" ON CONFLICT (user_id, {column}) WHERE {column} IS NOT NULL DO NOTHING RETURNING id"
        ),
        {"target": target_id, "user": user.id, "reason": reason, "details": details},
    ).scalar()
    if flag_id is None:
        raise Conflict(
            _("Vous avez déjà signalé ce contenu : merci, l'équipe l'examinera."), code="already_flagged"
        )
    return db.session.get(Flag, flag_id)
