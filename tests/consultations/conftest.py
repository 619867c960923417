"""Fixtures of the consultation back-office tests: a consultation, staff assignments, phases."""

from datetime import timedelta

import pytest

from app.consultations.models import utcnow
from app.extensions import db


@pytest.fixture
def consultation(make_consultation):
    return make_consultation(qpv_codes=["QP062024"])


@pytest.fixture
def admin(make_user):
    return make_user(role="admin")


@pytest.fixture
def assign(admin):
    """assign(consultation, user, role="animateur"): an admin's staff assignment, committed."""
    from app.consultations.staff import assign_staff

    def factory(consultation, user, role="animateur"):
        assignment = assign_staff(admin, consultation, user, role)
        db.session.commit()
        return assignment

    return factory


def three_phases(now=None, current=0):
    """« Idées », « Votes », « Réponses et bilan » as API/service data, phase `current` running now."""
    now = now or utcnow()
    day = timedelta(days=1)
    start = now - day - current * 10 * day
    rows = []
    for index, (name, actions) in enumerate(
        (("Idées", ["propose", "comment"]), ("Votes", ["vote", "comment"]), ("Réponses et bilan", []))
    ):
        rows.append(
            {
                "name": name,
                "starts_at": start + index * 10 * day,
                "ends_at": start + (index + 1) * 10 * day,
                "actions": actions,
            }
        )
    return rows


def api_phases(phases):
    return [dict(p, starts_at=p["starts_at"].isoformat(), ends_at=p["ends_at"].isoformat()) for p in phases]
