"""`flask moderation …`: default reject reasons."""

import click
from flask.cli import AppGroup

from app.extensions import db

moderation_cli = AppGroup("moderation", help="Modération.")


@moderation_cli.command("seed-reasons")
def seed_reasons_command():
    """Ajoute les motifs de refus par défaut qui manquent."""
    from app.moderation.demo import seed_reasons

    added = seed_reasons()
    db.session.commit()
    click.echo(f"{added} motif(s) de refus ajouté(s).")
