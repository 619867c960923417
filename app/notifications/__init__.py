"""Following ideas, consultations and QPV; notifications; mails people can stop (RFC 8058)."""

import os

SETTINGS = {
    "NOTIFICATION_MAIL_BATCH": 200,  # mails sent over one SMTP connection
    "NOTIFICATION_DIGEST_BATCH": 500,  # users per digest batch (one set-based query each)
    "NOTIFICATION_DIGEST_ITEMS": 20,  # items listed per user in the weekly digest
}


def init_app(app):
    """Settings, the pages, the unsubscribe endpoint (no CSRF: RFC 8058 one-click POST), CLI."""
    from app.notifications.cli import notifications_cli
    from app.notifications.views import bp

    for name, default in SETTINGS.items():
        if name not in app.config:
            app.config[name] = int(os.environ.get(name, default))
    exempt = set(app.config.get("CSRF_EXEMPT_ENDPOINTS", ()))
    app.config["CSRF_EXEMPT_ENDPOINTS"] = tuple(exempt | {"notifications.unsubscribe"})
    app.register_blueprint(bp)
    app.cli.add_command(notifications_cli)
    app.jinja_env.globals["consultation_follow_states"] = _consultation_follow_states
    app.jinja_env.globals["follow_state"] = _follow_state


def _consultation_follow_states(consultation):
    from flask_login import current_user

    from app.notifications.queries import follow_states

    targets = [("consultation", str(consultation.id))] + [("qpv", q.code) for q in consultation.qpvs]
    return follow_states(current_user, targets)


def _follow_state(target_type, target_key):
    from flask_login import current_user

    from app.notifications.queries import follow_states

    return follow_states(current_user, [(target_type, str(target_key))]).get((target_type, str(target_key)))
