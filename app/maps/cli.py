"""`flask dev grid` (rebuild the map grid); `flask dev synth` comes from the tooling package
(devtools/, outside the app) when it is importable."""

import importlib.util

import click
from flask.cli import AppGroup

from app.extensions import db

dev_cli = AppGroup("dev", help="Outils de développement : données synthétiques, grille de la carte.")


@dev_cli.command("grid")
def grid_command():
    """Recalcule la grille pré-agrégée de la carte pour toutes les concertations."""
    from app.maps.grid import rebuild_all_grids

    results = rebuild_all_grids()
    db.session.commit()
    total = sum(result["seconds"] for result in results)
    click.echo(f"Grille recalculée pour {len(results)} concertation(s) en {total:.1f} s.")


def add_tooling(group):
    """Add the tooling's commands (synthetic data) to `group` when devtools/ is there (not in production)."""
    if importlib.util.find_spec("devtools") is None:
        return
    from devtools.cli import synth_command

    group.add_command(synth_command)


add_tooling(dev_cli)
