"""Periodic account jobs (worker.py --cron)."""

from datetime import timedelta

from sqlalchemy import delete

from app.accounts.models import SigninLink
from app.consultations.models import utcnow
from app.extensions import db


def purge_signin_links(older_than_days=1):
    """Forget sign-in links expired for more than `older_than_days` (used or not); returns how many."""
    from flask import has_app_context

    if not has_app_context():
        from app import create_app

        with create_app().app_context():
            return purge_signin_links(older_than_days)
    cutoff = utcnow() - timedelta(days=older_than_days)
    count = db.session.execute(delete(SigninLink).where(SigninLink.expires_at < cutoff)).rowcount
    db.session.commit()
    return count
