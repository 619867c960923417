"""Seed data for the exports tests: contributions of every kind, with e-mails that must never leave."""

import json
from datetime import timedelta

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text

from app.consultations.models import utcnow
from app.contributions.models import Photo
from app.extensions import db
from app.workshops.models import Workshop, WorkshopParticipant

LENS = (2.8185, 50.4395)
SEED_EMAILS = (
    "marie.dupont@exemple.fr",
    "karim.benali@exemple.fr",
    "participant.atelier@exemple.fr",
    "jean.martin@exemple.org",
)
LINE = {"type": "LineString", "coordinates": [[2.815, 50.437], [2.818, 50.438], [2.821, 50.4385]]}
POLYGON = {
    "type": "Polygon",
    "coordinates": [[[2.812, 50.440], [2.816, 50.440], [2.816, 50.442], [2.812, 50.442], [2.812, 50.440]]],
}


class FreshUserClient(FlaskClient):
    """A test client that forgets the previous request's user.

    Requests in a test reuse the test's app context, hence its `g`, where Flask-Login caches the
    user: without this, a request with another token (or none) would run as the previous user."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return FreshUserClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def export_data(make_user, make_consultation, make_contribution, make_vote, make_comment):
    """Two consultations (anonymous ids / pseudonyms), 12 contributions, votes, comments, a workshop."""
    marie = make_user(email=SEED_EMAILS[0], pseudonym="MarieDuQuartier")
    karim = make_user(email=SEED_EMAILS[1], pseudonym="Karim62")
    urbanist = make_user(role="urbanist", email="urbaniste@agglo-lenslievin.fr", pseudonym="Urba")
    main = make_consultation(
        slug="cite-12-14", title="Cité 12/14", geometry_kinds=("point", "line", "polygon")
    )
    support = make_consultation(slug="vent-de-bise", qpv_codes=("QP062028",), voting_mode="support")
    support.export_pseudonyms = True
    workshop = Workshop(
        consultation_id=main.id, title="Atelier du 12 mars", starts_at=utcnow(), place_name="Maison du projet"
    )
    db.session.add(workshop)
    db.session.flush()
    participant = WorkshopParticipant(workshop_id=workshop.id, first_name="Huguette", contact=SEED_EMAILS[2])
    db.session.add(participant)
    db.session.flush()

    points = []
    for index in range(6):
        points.append(
            make_contribution(
                main,
                author=marie if index % 2 else karim,
                lon=LENS[0] - 0.004 + index * 0.0015,
                lat=LENS[1] - 0.003 + index * 0.001,
                theme="cadre-de-vie-espaces-publics" if index < 4 else "mobilite-accessibilite",
                title=f"Idée n°{index} près de l'école",
            )
        )
    injected = make_contribution(
        main,
        author=marie,
        lon=LENS[0],
        lat=LENS[1],
        title='=HYPERLINK("http://pirate")',
        body=f"Écrivez-moi à {SEED_EMAILS[3]} pour en parler.",
    )
    line = make_contribution(main, author=karim, geometry=json.dumps(LINE), title="Une piste cyclable")
    polygon = make_contribution(
        main, author=karim, geometry=json.dumps(POLYGON), title="Un square ici", outcome="retenue"
    )
    from_workshop = make_contribution(
        main,
        lon=LENS[0] + 0.001,
        lat=LENS[1],
        source="workshop",
        title="Proposée en atelier",
        workshop_id=workshop.id,
        participant_id=participant.id,
        workshop_agree_count=7,
        workshop_disagree_count=2,
    )
    pending = make_contribution(main, author=marie, lon=LENS[0] + 0.002, lat=LENS[1], status="pending")
    hidden = make_contribution(main, author=marie, lon=LENS[0] + 0.003, lat=LENS[1], status="hidden")
    other = make_contribution(support, author=marie, title="Plus de bancs au parc")

    make_vote(points[0], marie, 1)
    make_vote(points[0], karim, -1)
    make_vote(points[1], karim, 1)
    make_vote(other, karim, 1)
    make_comment(points[0], karim, f"D'accord ! Contact : {SEED_EMAILS[1]}")
    make_comment(points[0], marie, "Et un point d'eau aussi.")
    make_comment(polygon, marie, "=1+1")
    make_comment(other, karim, "Oui au parc.")
    db.session.add(
        Photo(
            contribution_id=points[0].id,
            path="photos/ab/ecole.jpg",
            thumb_path="photos/ab/ecole-t.jpg",
            width=800,
            height=600,
            size_bytes=1000,
        )
    )
    # An older contribution, for the date filters.
    points[5].created_at = utcnow() - timedelta(days=40)
    points[0].address_label = "près du 12 Rue de Lille"  # reverse geocoding (app.geocoding)
    db.session.flush()
    published = [*points, injected, line, polygon, from_workshop]
    db.session.commit()  # a failed request rolls the shared session back: keep the setup
    return {
        "urbanist": urbanist,
        "marie": marie,
        "karim": karim,
        "main": main,
        "support": support,
        "published": published,
        "line": line,
        "polygon": polygon,
        "pending": pending,
        "hidden": hidden,
        "other": other,
        "injected": injected,
        "participant": participant,
    }


def auth(user):
    """A Bearer header for `user`, kept across failing requests (which roll the session back)."""
    from tests.conftest import bearer

    headers = bearer(user)
    db.session.commit()
    return headers


def transformed(contribution_id, srid=2154):
    """PostGIS's own (x, y) of a contribution's anchor in `srid`."""
    return db.session.execute(
        text(
            "SELECT ST_X(ST_Transform(anchor, :srid)), ST_Y(ST_Transform(anchor, :srid)) FROM contributions WHERE id = :id"
        ),
        {"srid": srid, "id": contribution_id},
    ).one()


@pytest.fixture
def export_file(client, run_jobs, tmp_path):
    """Request an export through the API, run it with a real RQ worker, download the file."""

    def produce(user, **payload):
        headers = auth(user)
        response = client.post("/api/exports", json=payload, headers=headers)
        assert response.status_code == 202, response.get_json()
        run_jobs(["exports"])
        state = client.get(f"/api/exports/{response.get_json()['id']}", headers=headers).get_json()
        assert state["status"] == "finished", state
        download = client.get(state["download_url"], headers=headers)
        assert download.status_code == 200
        path = tmp_path / f"export-{state['id']}.{payload['format']}"
        path.write_bytes(download.data)
        return path, state

    return produce


@pytest.fixture
def committed_data(make_user, make_consultation, make_contribution):
    """Data really committed (live server, worker processes): 23 published points, 1 pending, 1 private."""
    from tests.conftest import bearer

    main = make_consultation(slug="cite-12-14", title="Cité 12/14")
    private = make_consultation(slug="privee", qpv_codes=("QP062028",), data_public=False)
    author = make_user(email="auteur@exemple.fr")
    for index in range(23):
        make_contribution(
            main, author=author, lon=LENS[0] - 0.01 + index * 0.001, lat=LENS[1], title=f"Idée {index}"
        )
    make_contribution(main, author=author, lon=LENS[0], lat=LENS[1] + 0.001, status="pending")
    make_contribution(private, author=author)
    urbanist = make_user(role="urbanist")
    headers = bearer(urbanist)
    db.session.commit()
    return {"main": main, "headers": headers, "urbanist": urbanist}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """The browser asks for French pages, as these tests read them (Chromium would send en-US)."""
    return {**browser_context_args, "locale": "fr-FR"}
