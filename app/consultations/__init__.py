"""Consultations: a concertation with its perimeter, themes, phases and modes."""


def init_app(app):
    from app.consultations.api import blp
    from app.consultations.cli import demo_cli
    from app.consultations.views import bp
    from app.extensions import api

    app.register_blueprint(bp)
    api.register_blueprint(blp)
    app.cli.add_command(demo_cli)
