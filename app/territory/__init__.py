"""Territory: communes, QPV, themes, perimeters."""


def init_app(app):
    from app.territory.cli import territory_cli
    from app.territory.views import bp

    app.register_blueprint(bp)

    from werkzeug.local import LocalProxy

    from app.territory.identity import territory_identity

    # A global, not a context processor: PDFs and mails rendered by jobs see it too.
    app.jinja_env.globals["territory"] = LocalProxy(territory_identity)

    app.cli.add_command(territory_cli)
