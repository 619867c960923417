"""Accounts: sign-up, e-mail confirmation, login (password or mailed link), password reset, profile,
« Mes idées », personal data, API tokens (« Espace développeurs »)."""


def init_app(app):
    """Register the account pages, the /api/me endpoint and the `flask users` commands."""
    from app.accounts import account_views, mails  # noqa: F401 (account_views adds its routes to bp)
    from app.accounts.api import blp
    from app.accounts.cli import users_cli
    from app.accounts.views import bp
    from app.extensions import api

    app.register_blueprint(bp)
    api.register_blueprint(blp)
    app.cli.add_command(users_cli)
    mails.init_console(app)
