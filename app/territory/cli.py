"""`flask territory load DIR` and `flask territory import-perimeters FILE`."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.errors import Invalid
from app.extensions import db

territory_cli = AppGroup("territory", help="Données du territoire (communes, QPV, thèmes).")


@territory_cli.command("load")
@click.argument("directory", required=False)
def load_command(directory):
    """Charge (ou met à jour) le territoire depuis un dossier de données."""
    from app.territory.services import load_territory

    try:
        counts = load_territory(directory or current_app.config["TERRITORY_DIR"])
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(
        f"Territoire chargé : {counts['communes']} communes, {counts['qpv']} QPV "
        f"({counts['qpv_population']} habitants), {counts['qpv_2024']} QPV 2024, "
        f"{counts['themes']} thèmes, {counts['qpv_with_perimeter']} périmètres officiels."
    )


@territory_cli.command("import-perimeters")
@click.argument("path", type=click.Path())
def import_perimeters_command(path):
    """Importe les périmètres officiels des QPV (GeoJSON WGS84 ou Shapefile zippé Lambert-93)."""
    from app.territory.perimeters import import_perimeters

    try:
        summary = import_perimeters(path)
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} Aucune donnée n'a été modifiée.") from error
    click.echo(
        f"{len(summary['imported'])} périmètres importés ({', '.join(summary['imported'])}); "
        f"{summary['ignored']} entités hors territoire ignorées; "
        f"{summary['consultations_updated']} concertations mises à jour."
    )
