"""Fixtures of the moderation tests."""

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text

from app.extensions import db
from app.moderation.demo import seed_reasons


class FreshUserClient(FlaskClient):
    """Requests share the test's app context, hence `g`: forget the user Flask-Login cached there."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return FreshUserClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def consultation(make_consultation):
    """An open, pre-moderated consultation on the Cité 12/14 (Lens)."""
    return make_consultation(qpv_codes=["QP062024"], moderation_mode="pre")


@pytest.fixture
def moderator(make_user):
    return make_user(role="moderator")


@pytest.fixture
def admin(make_user):
    return make_user(role="admin")


@pytest.fixture
def resident(make_user):
    return make_user()


@pytest.fixture
def reasons():
    """The default reject reasons, in order."""
    seed_reasons()
    return db.session.execute(text("SELECT id, label FROM reject_reasons ORDER BY position, id")).all()


def centre(consultation):
    """(lon, lat) of a point inside the consultation's perimeter."""
    return tuple(
        db.session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM consultations WHERE id = :id) s"
            ),
            {"id": consultation.id},
        ).one()
    )


def offset(lonlat, east_m=0.0, north_m=0.0):
    """A point moved by metres east/north (good enough at Lens' latitude)."""
    import math

    lon, lat = lonlat
    return (lon + east_m / (111_320 * math.cos(math.radians(lat))), lat + north_m / 110_574)


def actions_of(target_type, target_id):
    """Audit entries of a target, oldest first: [(action, actor_id, reason, before, after)]."""
    return db.session.execute(
        text(
            "SELECT action, actor_id, reason, before, after FROM moderation_actions"
            " WHERE target_type = :t AND target_id = :id ORDER BY id"
        ),
        {"t": target_type, "id": target_id},
    ).all()
