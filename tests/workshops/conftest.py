"""Fixtures of the workshops tests: a consultation, its workshop and facilitator, points and cells."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.consultations.models import utcnow
from app.extensions import db


@pytest.fixture
def consultation(make_consultation):
    """An open consultation on the Cité 12/14 (Lens), post-moderated."""
    return make_consultation(qpv_codes=["QP062024"])


@pytest.fixture
def assign(make_user):
    """assign(consultation, user, role="animateur"): an admin's staff assignment, committed."""
    from app.consultations.staff import assign_staff

    admin = make_user(role="admin")

    def factory(consultation, user, role="animateur"):
        assignment = assign_staff(admin, consultation, user, role)
        db.session.commit()
        return assignment

    return factory


@pytest.fixture
def facilitator(make_user, consultation, assign):
    """A facilitator an admin assigned to the consultation."""
    user = make_user(role="facilitator")
    assign(consultation, user)
    return user


@pytest.fixture
def make_workshop(assign):
    from app.workshops.services import create_workshop

    def factory(consultation, user, days=0, place="Maison du projet de la Cité 12/14", **details):
        if user.role == "facilitator":
            assign(consultation, user)
        workshop = create_workshop(user, consultation, utcnow() + timedelta(days=days), place, **details)
        db.session.commit()  # only releases a savepoint: a failing request cannot undo the setup
        return workshop

    return factory


@pytest.fixture
def workshop(make_workshop, consultation, facilitator):
    return make_workshop(consultation, facilitator, address="Lens")


def point_inside(consultation):
    """A point inside the perimeter, as a GeoJSON geometry."""
    lon, lat = db.session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM consultations WHERE id = :id) s"
        ),
        {"id": consultation.id},
    ).one()
    return {"type": "Point", "coordinates": [lon, lat]}


def entry_body(target, **extra):
    body = {
        "consultation": target.slug,
        "theme": "cadre-de-vie-espaces-publics",
        "title": "Des bancs sur la place",
        "body": "Pour s'asseoir à l'ombre en attendant le bus.",
        "geometry": point_inside(target),
    }
    body.update(extra)
    return body


def lambert93(lon, lat):
    """(x, y) in Lambert-93 metres of a lon/lat point (PostGIS does the projection)."""
    return tuple(
        db.session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 4326), 2154) p) s"
            ),
            {"x": lon, "y": lat},
        ).one()
    )


def cell_inside_perimeter(consultation, grid):
    """A grid cell whose centre lies well inside the perimeter."""
    for ref in grid.refs():
        x, y = grid.centre(ref)
        inside = db.session.execute(
            text(
                "SELECT ST_Contains(geom, ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 2154), 4326))"
                " FROM consultations WHERE id = :id"
            ),
            {"x": x, "y": y, "id": consultation.id},
        ).scalar_one()
        if inside:
            return ref
    raise AssertionError("no cell centre inside the perimeter")


def cell_outside_buffer(consultation, grid):
    """A grid cell that does not touch the perimeter + buffer at all."""
    for ref in grid.refs():
        if not _cell_touches(consultation, grid, ref):
            return ref
    raise AssertionError("every cell touches the perimeter")


def cell_edge_of_perimeter(consultation, grid):
    """A grid cell that touches the perimeter + buffer although its centre lies outside it."""
    for ref in grid.refs():
        x, y = grid.centre(ref)
        near = db.session.execute(
            text(
                "SELECT ST_DWithin(geom::geography,"
                " ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 2154), 4326)::geography, buffer_m)"
                " FROM consultations WHERE id = :id"
            ),
            {"x": x, "y": y, "id": consultation.id},
        ).scalar_one()
        if not near and _cell_touches(consultation, grid, ref):
            return ref
    raise AssertionError("no cell on the edge of the perimeter")


def _cell_touches(consultation, grid, ref):
    x0, y0, x1, y1 = grid.cell_bounds(ref)
    return db.session.execute(
        text(
            "SELECT ST_Intersects(ST_Buffer(geom::geography, buffer_m)::geometry,"
            " ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 2154), 4326)) FROM consultations WHERE id = :id"
        ),
        {"x0": x0, "y0": y0, "x1": x1, "y1": y1, "id": consultation.id},
    ).scalar_one()


from tests.tileserver import dead_tile_server, tile_server  # noqa: E402, F401
