"""`flask dev synth`: synthetic residents, contributions, votes and comments (benchmarks, demos)."""

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from app.errors import Invalid
from app.extensions import db


@click.command("synth")
@click.option("--contributions", "n_contributions", type=click.IntRange(0), default=2000, show_default=True)
@click.option("--votes", "n_votes", type=click.IntRange(0), default=10000, show_default=True)
@click.option("--comments", "n_comments", type=click.IntRange(0), default=None, help="défaut : votes / 10")
@click.option(
    "--residents", type=click.IntRange(1), default=None, help="habitants fictifs (défaut : selon la taille)"
)
@click.option(
    "--consultations", "slugs", default="", help="slugs séparés par des virgules (défaut : les 3 NPNRU)"
)
@click.option("--reset", is_flag=True, help="supprime d'abord les contributions de ces concertations")
@click.option("--seed", type=click.FloatRange(-1, 1), default=0.42, show_default=True)
@with_appcontext
def synth_command(n_contributions, n_votes, n_comments, residents, slugs, reset, seed):
    """Génère des habitants, contributions, votes et commentaires fictifs (rapide, en SQL)."""
    from app.maps.grid import rebuild_grid
    from devtools.synth import generate

    chosen = [slug.strip() for slug in slugs.split(",") if slug.strip()] or None
    try:
        summary = generate(
            n_contributions, n_votes, chosen, comments=n_comments, users=residents, reset=reset, seed=seed
        )
    except Invalid as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    ids = db.session.scalars(
        text("SELECT id FROM consultations WHERE slug = ANY(:s)"), {"s": chosen or _npnru()}
    )
    grids = [rebuild_grid(cid) for cid in ids]
    db.session.commit()
    if n_contributions >= 50_000:
        _vacuum()
    click.echo(
        f"{summary['contributions']} contributions ({summary['published']} publiées), {summary['votes']} votes, "
        f"{summary['comments']} commentaires, {summary['residents']} habitants fictifs en {summary['seconds']} s ; "
        f"grille de la carte recalculée pour {len(grids)} concertation(s)."
    )
    click.echo("Durées (s) : " + ", ".join(f"{name} {seconds}" for name, seconds in summary["steps"].items()))


def _npnru():
    from devtools.synth import default_slugs

    return default_slugs()


def _vacuum():
    # The visibility map matters for index-only scans after a bulk load; VACUUM needs autocommit.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE contributions, votes, comments, map_grid_cells"))
