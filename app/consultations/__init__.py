"""Consultations: a concertation with its perimeter, themes, phases and modes."""


def init_app(app):
    from app.consultations.admin_views import bp as admin_bp
    from app.consultations.api import blp
    from app.consultations.cli import consultations_cli, demo_cli
    from app.consultations.views import bp
    from app.extensions import api

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    api.register_blueprint(blp)
    app.cli.add_command(demo_cli)
    app.cli.add_command(consultations_cli)
