"""Moderation: inbox, decisions, flags, duplicates and merges, official answers, sanctions, audit log."""


def init_app(app):
    from app.extensions import api
    from app.moderation.api import blp
    from app.moderation.cli import moderation_cli
    from app.moderation.views import bp

    app.config.setdefault("FLAG_THRESHOLD", 3)
    app.register_blueprint(bp)
    api.register_blueprint(blp)
    app.cli.add_command(moderation_cli)
