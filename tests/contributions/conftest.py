"""Fixtures and helpers of the contributions tests."""

import io

import pytest
from flask import has_app_context
from PIL import Image
from sqlalchemy import text

from app.extensions import db


@pytest.fixture
def client(app):
    """The test client, each request in its own app context (as in production).

    Without it a request reuses the test's app context, hence its session and `g`: an error
    response rolls back the test's setup, Flask-Login's cached user leaks into the next request,
    and identity-map hits hide SQL statements from `count_queries`. The test's pending objects are
    flushed first; the request's session works on the same connection (its own savepoint)."""
    test_client = app.test_client()
    open_request = test_client.open

    def isolated_open(*args, **kwargs):
        if has_app_context():
            db.session.flush()
        with app.app_context():
            return open_request(*args, **kwargs)

    test_client.open = isolated_open
    return test_client


@pytest.fixture
def consultation(make_consultation):
    """An open consultation on the Cité 12/14 (Lens), post-moderated, agree/disagree votes."""
    return make_consultation(qpv_codes=["QP062024"], geometry_kinds=["point", "line", "polygon"])


@pytest.fixture
def resident(make_user):
    return make_user()


def inside_lonlat(consultation):
    return tuple(
        db.session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p"
                " FROM consultations WHERE id = :id) s"
            ),
            {"id": consultation.id},
        ).one()
    )


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


@pytest.fixture
def inside_point(consultation):
    """A point inside the perimeter, as a GeoJSON geometry."""
    return point(*inside_lonlat(consultation))


def east_of_perimeter(consultation, metres):
    """A point `metres` due east of the perimeter's easternmost vertex (so exactly that far from it)."""
    lon, lat = db.session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_DumpPoints(geom)).geom AS p FROM consultations"
            " WHERE id = :id) s ORDER BY ST_X(p) DESC LIMIT 1"
        ),
        {"id": consultation.id},
    ).one()
    return point(lon + metres / (111_320 * __import__("math").cos(__import__("math").radians(lat))), lat)


def jpeg_bytes(size=(800, 600), color=(200, 120, 40), exif=None):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def gps_exif():
    """EXIF with a camera model and a GPS position (Liévin)."""
    exif = Image.Exif()
    exif[0x0110] = "Telephone de test"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (50.0, 25.0, 30.0)
    gps[3] = "E"
    gps[4] = (2.0, 46.0, 40.0)
    return exif.tobytes()


def count_contributions():
    return db.session.execute(text("SELECT count(*) FROM contributions")).scalar()


def quick_users(count, prefix="voisin"):
    """Confirmed residents without a usable password (hashing 50 passwords takes ~20 s here)."""
    from app.accounts.models import User
    from app.consultations.models import utcnow

    users = [
        User(
            email=f"{prefix}{i}@exemple.fr",
            pseudonym=f"{prefix}{i}",
            password_hash="!",
            role="resident",
            confirmed_at=utcnow(),
        )
        for i in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    return users


@pytest.fixture
def geocoder(app):
    """A fake BAN geocoder on a local port; GEOCODER_URL points to it for the test."""
    from tests.contributions.fake_geocoder import FakeGeocoder

    fake = FakeGeocoder()
    previous = app.config["GEOCODER_URL"]
    app.config["GEOCODER_URL"] = fake.url
    yield fake
    app.config["GEOCODER_URL"] = previous
    fake.close()
