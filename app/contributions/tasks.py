"""Jobs of the contributions feature."""

from app.contributions.models import Contribution
from app.extensions import db
from app.jobs import commit_and_dispatch

FOLLOW_UP_JOB = "app.contributions.tasks.follow_up_new_contribution"


def follow_up_new_contribution(contribution_id, announce):
    """Job: what follows a new contribution, out of its request and in one job (not one per task): when
    `announce` (published at once), the map grid's refresh and its followers' notification, queued
    through the outbox as the request would have; then the address near it (reverse geocoding, which
    may wait for the national address API: last, so that nothing else waits for it)."""
    from app.geocoding.services import name_contribution

    if announce:
        from app.maps.services import schedule_grid_refresh
        from app.notifications.services import notify_new_idea

        contribution = db.session.get(Contribution, contribution_id)
        if contribution is not None:
            schedule_grid_refresh(contribution.consultation_id)
            notify_new_idea(contribution)
            commit_and_dispatch()
    return name_contribution(contribution_id)
