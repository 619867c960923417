"""`flask notifications digest`: queue (or run here) the weekly digest."""

import click
from flask.cli import AppGroup

notifications_cli = AppGroup("notifications", help="Notifications et résumé hebdomadaire.")


@notifications_cli.command("digest")
@click.option("--now", is_flag=True, help="Envoyer ici, sans passer par la file.")
def digest(now):
    """Send the weekly digest (run it weekly from cron or the RQ scheduler)."""
    from app.jobs import enqueue_after_commit
    from app.notifications.tasks import send_weekly_digest

    if now:
        click.echo(send_weekly_digest())
        return
    job_id = enqueue_after_commit("mail", "app.notifications.tasks.send_weekly_digest", job_timeout=3600)
    click.echo(f"Résumé hebdomadaire mis en file (job {job_id}).")
