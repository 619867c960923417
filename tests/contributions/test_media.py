"""/media/: a photo is served as far as its contribution is visible (issue 11, point 9)."""

import pytest
from sqlalchemy import text

from app.contributions.models import Photo
from app.contributions.services import create_contribution
from app.extensions import db
from tests.conftest import login
from tests.contributions.conftest import jpeg_bytes


@pytest.fixture
def photo(consultation, resident, inside_point):
    contribution = create_contribution(
        resident,
        consultation,
        inside_point,
        "cadre-de-vie-espaces-publics",
        "Le square",
        "",
        photos=[jpeg_bytes()],
    )
    db.session.commit()
    return db.session.query(Photo).filter_by(contribution_id=contribution.id).one()


def _set_status(photo, status):
    db.session.execute(
        text("UPDATE contributions SET status = :s WHERE id = :id"),
        {"s": status, "id": photo.contribution_id},
    )
    db.session.commit()


def test_public_photo_has_a_short_revalidated_cache_and_stops_at_once_when_hidden(client, photo):
    for path in (photo.path, photo.thumb_path):
        response = client.get(f"/media/{path}")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        cache = response.cache_control
        assert cache.public and cache.max_age == 300 and cache.must_revalidate
    etag = client.get(f"/media/{photo.path}").headers["ETag"]
    assert client.get(f"/media/{photo.path}", headers={"If-None-Match": etag}).status_code == 304
    _set_status(photo, "hidden")
    # A cache revalidating after max-age learns that the photo is gone.
    assert client.get(f"/media/{photo.path}", headers={"If-None-Match": etag}).status_code == 404
    gone = client.get(f"/media/{photo.thumb_path}")
    assert gone.status_code == 404 and gone.cache_control.no_store


def test_hidden_photo_is_private_and_uncached_for_its_author(client, photo, resident):
    _set_status(photo, "hidden")
    login(client, resident)
    response = client.get(f"/media/{photo.path}")
    assert response.status_code == 200 and len(response.data) > 1000
    assert response.cache_control.private and response.cache_control.no_store
    assert not response.cache_control.public and response.cache_control.max_age is None


def test_behind_nginx_the_app_answers_x_accel_redirect_with_an_empty_body(app, client, photo, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ACCEL_REDIRECT", "/protected-media/")
    response = client.get(f"/media/{photo.path}")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"/protected-media/{photo.path}"
    assert response.cache_control.max_age == 300
    _set_status(photo, "rejected")
    refused = client.get(f"/media/{photo.path}")
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused.headers


def test_files_without_a_photo_row_are_not_served(client, photo, app):
    from pathlib import Path

    stray = Path(app.config["MEDIA_DIR"]) / "contributions" / "orphelin.jpg"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(jpeg_bytes())
    try:
        assert client.get("/media/contributions/orphelin.jpg").status_code == 404
        assert client.get("/media/../app/config.py").status_code == 404
        assert client.get("/media/a%00b.jpg").status_code == 404
    finally:
        stray.unlink()
