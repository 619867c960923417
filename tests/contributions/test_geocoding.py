"""Address search and reverse geocoding through the BAN protocol, against a local fake geocoder."""

import time

import pytest
from redis import Redis
from sqlalchemy import text

from app.contributions.services import create_contribution
from app.extensions import db
from app.geocoding.services import OUTSIDE, UNAVAILABLE
from app.outbox.models import OutboxJob
from tests.contributions.conftest import east_of_perimeter, inside_lonlat, point
from tests.contributions.fake_geocoder import feature

URL = "/api/consultations/{}/adresses"


def _answers(geocoder, consultation):
    lon, lat = inside_lonlat(consultation)
    far_lon, far_lat = east_of_perimeter(consultation, 5000)["coordinates"]
    geocoder.search_features = [
        feature(lon, lat, "12 Rue de Lille 62300 Lens", "62498", "12", "Rue de Lille"),
        feature(far_lon, far_lat, "8 Rue de Lille 62300 Lens", "62498", "8", "Rue de Lille", score=0.7),
        feature(2.35, 48.85, "12 Rue de Lille 75007 Paris", "75107", "12", "Rue de Lille", score=0.6),
    ]
    return lon, lat


def test_search_keeps_the_consultation_communes_biased_to_its_centre_and_flags_outside(
    client, consultation, geocoder
):
    lon, lat = _answers(geocoder, consultation)
    answer = client.get(URL.format(consultation.slug), query_string={"q": "12 rue de lille"})
    assert answer.status_code == 200
    data = answer.get_json()
    assert [r["label"] for r in data["results"]] == [
        "12 Rue de Lille 62300 Lens",
        "8 Rue de Lille 62300 Lens",
    ]
    near, far = data["results"]
    assert near["inside"] is True and near["reason"] is None
    assert (near["lon"], near["lat"]) == (pytest.approx(lon), pytest.approx(lat))
    assert far["inside"] is False and far["reason"] == OUTSIDE == "hors du périmètre de la concertation"
    path, params = geocoder.requests[-1]
    assert path == "/search/" and params["q"] == "12 rue de lille" and int(params["limit"]) >= 5
    centre = db.session.execute(
        text("SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM consultations WHERE id = :id"),
        {"id": consultation.id},
    ).one()
    assert float(params["lon"]) == pytest.approx(centre[0], abs=1e-4)
    assert float(params["lat"]) == pytest.approx(centre[1], abs=1e-4)


def test_answers_are_cached_in_redis_and_redis_down_still_searches(app, client, consultation, geocoder):
    _answers(geocoder, consultation)
    for _ in range(2):
        assert (
            len(client.get(URL.format(consultation.slug), query_string={"q": "rue de lille"}).json["results"])
            == 2
        )
    assert len(geocoder.requests) == 1
    previous = app.extensions["redis"]
    app.extensions["redis"] = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    try:
        answer = client.get(URL.format(consultation.slug), query_string={"q": "rue de lille"})
    finally:
        app.extensions["redis"] = previous
    assert answer.status_code == 200 and len(answer.json["results"]) == 2
    assert len(geocoder.requests) == 2


def test_geocoder_down_answers_the_french_message_not_an_error(app, client, consultation, geocoder):
    geocoder.close()
    answer = client.get(URL.format(consultation.slug), query_string={"q": "rue de lille"})
    assert answer.status_code == 200
    assert answer.json == {"results": [], "message": UNAVAILABLE, "available": False}
    assert UNAVAILABLE == "La recherche d'adresse ne répond pas : placez votre idée sur la carte."


def test_geocoder_slow_gives_up_within_two_seconds(client, consultation, geocoder):
    _answers(geocoder, consultation)
    geocoder.delay = 3
    started = time.monotonic()
    answer = client.get(URL.format(consultation.slug), query_string={"q": "rue de lille"})
    assert time.monotonic() - started < 2.8
    assert answer.status_code == 200 and answer.json["message"] == UNAVAILABLE


def test_short_query_and_unknown_consultation(client, consultation, geocoder):
    assert client.get(URL.format(consultation.slug), query_string={"q": "ru"}).json["results"] == []
    assert geocoder.requests == []
    assert client.get(URL.format("inconnue"), query_string={"q": "rue de lille"}).status_code == 404


def _create(user, consultation):
    return create_contribution(
        user,
        consultation,
        point(*inside_lonlat(consultation)),
        "cadre-de-vie-espaces-publics",
        "Des bancs rue de Lille",
        "Pour se reposer.",
    )


def test_a_pending_idea_is_named_but_neither_mapped_nor_announced_until_approved(
    make_consultation, resident, geocoder, run_jobs
):
    """Pre-moderation: the follow-up job of a pending idea only names its place; the map grid and the
    followers wait for its approval (which queues them itself)."""
    consultation = make_consultation(moderation_mode="pre")
    lon, lat = inside_lonlat(consultation)
    geocoder.reverse_features = [feature(lon, lat, "3 Rue de Lille 62300 Lens", "62498", "3", "Rue de Lille")]
    contribution = _create(resident, consultation)
    assert contribution.status == "pending"
    db.session.commit()
    [job] = db.session.query(OutboxJob).all()
    assert (job.func, job.args) == (
        "app.contributions.tasks.follow_up_new_contribution",
        [contribution.id, False],
    )
    run_jobs()
    funcs = db.session.scalars(text("SELECT func FROM job_outbox ORDER BY id")).all()
    assert funcs == ["app.contributions.tasks.follow_up_new_contribution"]  # no grid refresh, no notification
    label = db.session.execute(
        text("SELECT address_label FROM contributions WHERE id = :id"), {"id": contribution.id}
    ).scalar()
    assert label == "près du 3 Rue de Lille"


def test_creation_does_not_wait_and_a_job_names_the_place(consultation, resident, geocoder, run_jobs, client):
    lon, lat = inside_lonlat(consultation)
    geocoder.reverse_features = [
        feature(lon, lat, "12 Rue de Lille 62300 Lens", "62498", "12", "Rue de Lille")
    ]
    contribution = _create(resident, consultation)
    assert geocoder.requests == []  # creation never calls the geocoder
    assert contribution.address_label is None
    db.session.commit()  # its outbox rows are written with the commit
    jobs = db.session.query(OutboxJob).all()  # one job follows it up: map, followers, then the address
    assert [(job.func, job.args) for job in jobs] == [
        ("app.contributions.tasks.follow_up_new_contribution", [contribution.id, True])
    ]
    run_jobs()
    funcs = db.session.scalars(text("SELECT func FROM job_outbox ORDER BY id")).all()
    assert funcs == [  # published at once: the follow-up queued the map grid and the followers
        "app.contributions.tasks.follow_up_new_contribution",
        "app.maps.tasks.refresh_grid",
        "app.notifications.tasks.deliver",
    ]
    label = db.session.execute(
        text("SELECT address_label FROM contributions WHERE id = :id"), {"id": contribution.id}
    ).scalar()
    assert label == "près du 12 Rue de Lille"
    path, params = geocoder.requests[-1]
    assert (
        path == "/reverse/"
        and float(params["lon"]) == pytest.approx(lon)
        and float(params["lat"]) == pytest.approx(lat)
    )
    page = client.get(f"/idees/{contribution.id}").get_data(as_text=True)
    assert "près du 12 Rue de Lille" in page
    listing = client.get(f"/consultations/{consultation.slug}/idees").get_data(as_text=True)
    assert "près du 12 Rue de Lille" in listing


def test_geocoder_down_the_idea_is_kept_without_a_label(consultation, resident, geocoder, run_jobs):
    geocoder.close()
    contribution = _create(resident, consultation)
    run_jobs()
    assert db.session.execute(
        text("SELECT title, address_label FROM contributions WHERE id = :id"), {"id": contribution.id}
    ).one() == ("Des bancs rue de Lille", None)
