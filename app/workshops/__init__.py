"""Workshops at the maisons du projet: entry on behalf of participants, paper tallies, kiosks, printed maps."""


def consultation_workshops(consultation):
    """Jinja global for the consultation page: {"coming": [...], "past": [...]} with their counts."""
    from app.consultations.models import utcnow
    from app.workshops.queries import list_for_consultation

    rows, now = list_for_consultation(consultation.id), utcnow()
    past = [row for row in rows if (row["workshop"].ends_at or row["workshop"].starts_at) < now]
    coming = [row for row in rows if row not in past]
    return {"coming": coming, "past": past[::-1]}


def paris_input(value):
    """A UTC datetime as the value of an <input type="datetime-local"> in Paris time."""
    from app.templating import PARIS

    return value.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M") if value else ""


def init_app(app):
    """Blueprints (HTML, kiosk, API), the kiosk lock and the consultation-page helper."""
    from app.extensions import api
    from app.workshops.api import blp
    from app.workshops.kiosk_views import bp as kiosk_bp
    from app.workshops.kiosk_views import lock_to_kiosk
    from app.workshops.offline import bp as offline_bp
    from app.workshops.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(offline_bp)
    api.register_blueprint(blp)
    app.before_request(lock_to_kiosk)
    app.jinja_env.globals["consultation_workshops"] = consultation_workshops
    app.jinja_env.filters["paris_input"] = paris_input
