"""Territory: communes, QPV, themes, perimeters."""


def init_app(app):
    from app.territory.cli import territory_cli
    from app.territory.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(territory_cli)
