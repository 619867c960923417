"""Writes: the project team publishes (or withdraws) a consultation's restitution."""

from flask_babel import gettext as _

from app.consultations.models import utcnow
from app.errors import Forbidden
from app.extensions import db
from app.restitution import figures
from app.restitution.models import Restitution


def check_team(user):
    """Forbidden unless `user` is on the project team (moderators and admins today)."""
    if user is None or not user.is_authenticated or not user.has_role("moderator"):
        raise Forbidden(_("Réservé à l'équipe projet."))


def publish(user, consultation):
    """Publish (or refresh) the restitution: figures frozen now, bilan = latest finished report."""
    from app.reports.queries import latest_finished_for_consultation

    check_team(user)
    restitution = db.session.get(Restitution, consultation.id, with_for_update=True)
    first = restitution is None or restitution.published_at is None
    if restitution is None:
        restitution = Restitution(consultation_id=consultation.id)
        db.session.add(restitution)
    report = latest_finished_for_consultation(consultation)
    restitution.figures = figures.compute(consultation.id)
    restitution.figures_at = utcnow()
    restitution.report_id = report.id if report is not None else None
    restitution.published_at = restitution.published_at or utcnow()
    restitution.published_by_id = user.id
    db.session.flush()
    if first:
        _tell_followers(consultation)
    return restitution


def withdraw(user, consultation):
    """Take the restitution offline (the figures are kept for the next publication)."""
    check_team(user)
    restitution = db.session.get(Restitution, consultation.id, with_for_update=True)
    if restitution is not None:
        restitution.published_at = None
        db.session.flush()
    return restitution


def _tell_followers(consultation):
    from app.notifications.services import notify, path_for

    notify(
        "restitution",
        consultation,
        title=f"Ce que vous avez dit, ce que le projet en fait : « {consultation.title} »",
        summary="L'équipe projet publie le bilan de la concertation et ses réponses.",
        path=path_for("restitution.show", slug=consultation.slug),
        mail_subject="La restitution de la concertation est publiée",
        title_values={"title": consultation.title},
        event_key=f"restitution:{consultation.id}:{utcnow():%Y%m%d%H%M%S}",
    )
