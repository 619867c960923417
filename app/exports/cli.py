"""`flask exports …`: housekeeping commands."""

import click
from flask.cli import AppGroup

from app.exports import services
from app.extensions import db

exports_cli = AppGroup("exports", help="Exports des contributions.")


@exports_cli.command("purge")
def purge():
    """Delete the files of expired exports."""
    count = services.purge_expired_exports()
    db.session.commit()
    click.echo(f"{count} export(s) expiré(s) supprimé(s).")
