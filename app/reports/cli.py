"""`flask reports ...`: the nightly refresh and one-off generation."""

import click
from flask.cli import AppGroup

from app.extensions import db
from app.jobs import commit_and_dispatch

reports_cli = AppGroup("reports", help="Rapports et bilans de la concertation.")


@reports_cli.command("refresh-open")
def refresh_open_command():
    """Queue a new report for each open consultation and the territory dashboard (nightly cron)."""
    from app.reports.services import enqueue_report, refresh_open

    reports = refresh_open()
    for report in reports:
        enqueue_report(report)  # recorded in the outbox, in the same transaction
    commit_and_dispatch()
    click.echo(f"{len(reports)} rapport(s) mis en file d'attente (file « reports »).")


@reports_cli.command("generate")
@click.option("--consultation", "slug", help="Adresse (slug) de la concertation.")
@click.option("--qpv", "qpv_code", help="Code du quartier prioritaire, ex. QP062024.")
@click.option("--now", is_flag=True, help="Construire le rapport ici, sans passer par la file.")
def generate_command(slug, qpv_code, now):
    """A new report version on a consultation, a QPV, or (no option) the whole territory."""
    from app.consultations.queries import get_consultation
    from app.reports import queries
    from app.reports.services import enqueue_report, request_report
    from app.reports.tasks import build_report

    consultation = get_consultation(slug) if slug else None
    qpv = queries.get_qpv(qpv_code) if qpv_code else None
    report = request_report(None, consultation=consultation, qpv=qpv, enqueue=False)
    db.session.commit()
    if report.attempts or report.job_id and queries.job_exists(report):
        click.echo(f"Un rapport est déjà en cours pour ce périmètre : rapport {report.id}.")
        return
    if now:
        build_report(report.id)
        db.session.refresh(report)
        click.echo(
            f"Rapport {report.id} (version {report.version}) : {report.status_label}. {report.pdf_path or ''}"
        )
        return
    enqueue_report(report)
    commit_and_dispatch()
    click.echo(f"Rapport {report.id} (version {report.version}) mis en file d'attente.")
