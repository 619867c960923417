"""`flask demo seed` (territory + the NPNRU consultations) and `flask consultations create/export`."""

import click
from flask.cli import AppGroup

from app.errors import AppError
from app.extensions import db

demo_cli = AppGroup("demo", help="Données de démonstration.")
consultations_cli = AppGroup("consultations", help="Concertations décrites dans des fichiers YAML.")


@demo_cli.command("seed")
def seed_command():
    """Charge le territoire et les trois concertations NPNRU (sans doublon)."""
    from app.demo import seed_demo

    summary = seed_demo()
    db.session.commit()
    click.echo("Démo prête : " + ", ".join(f"{key} = {value}" for key, value in summary.items()))


@consultations_cli.command("create")
@click.option("--from-file", "path", required=True, type=click.Path(dir_okay=False), help="Fichier YAML.")
def create_command(path):
    """Crée une concertation décrite dans un fichier YAML (voir data/consultations/)."""
    from app.consultations.setup import create_from_file

    try:
        consultation, _created = create_from_file(path)
        db.session.commit()
    except AppError as error:
        db.session.rollback()
        details = "; ".join(f"{k} : {' '.join(v)}" for k, v in error.fields.items())
        raise click.ClickException(error.message + (f" ({details})" if details else "")) from error
    click.echo(f"Concertation « {consultation.title} » créée ({consultation.slug}, {consultation.status}).")


@consultations_cli.command("export")
@click.argument("slug")
@click.option(
    "--to", "path", type=click.Path(dir_okay=False), help="Fichier YAML (sinon la sortie standard)."
)
def export_command(slug, path):
    """Écrit une concertation dans un fichier YAML que `create --from-file` sait relire."""
    from pathlib import Path

    from app.consultations.queries import get_consultation
    from app.consultations.setup import dump_yaml, export_spec

    try:
        cover_dir = Path(path).parent if path else None
        text = dump_yaml(export_spec(get_consultation(slug), cover_dir=cover_dir))
    except AppError as error:
        raise click.ClickException(error.message) from error
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Concertation « {slug} » écrite dans {path}.")
    else:
        click.echo(text, nl=False)
