"""`flask demo seed`: territory + the three NPNRU consultations (idempotent)."""

import click
from flask.cli import AppGroup

from app.extensions import db

demo_cli = AppGroup("demo", help="Données de démonstration.")


@demo_cli.command("seed")
def seed_command():
    """Charge le territoire et les trois concertations NPNRU (sans doublon)."""
    from app.demo import seed_demo

    summary = seed_demo()
    db.session.commit()
    click.echo("Démo prête : " + ", ".join(f"{key} = {value}" for key, value in summary.items()))
