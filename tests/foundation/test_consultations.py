from datetime import timedelta

import pytest
from sqlalchemy import text

from app.consultations.models import utcnow
from app.consultations.services import create_consultation
from app.errors import Conflict, Invalid
from app.extensions import db


def test_provisional_perimeter_is_built_from_the_communes_of_the_qpv(make_consultation):
    consultation = make_consultation(qpv_codes=["QP062025"])  # Grande Résidence: Lens, Vendin, Loison
    assert consultation.perimeter_provisional is True
    same = db.session.execute(
        text(
            "SELECT ST_Equals(c.geom, (SELECT ST_Union(geom) FROM communes WHERE insee IN ('62498', '62842', '62523')))"
            " FROM consultations c WHERE c.id = :id"
        ),
        {"id": consultation.id},
    ).scalar()
    assert same


def test_consultation_defaults_and_themes(make_consultation):
    consultation = make_consultation(
        theme_slugs=["sante", "logement-habitat"], buffer_m=250, moderation_mode="pre"
    )
    assert [t.slug for t in consultation.themes] == ["sante", "logement-habitat"]
    assert consultation.buffer_m == 250 and consultation.moderation_mode == "pre"
    assert consultation.voting_mode == "agree_disagree"
    assert consultation.is_open()


def test_invalid_consultations_are_refused_with_french_fields(make_consultation):
    now = utcnow()
    with pytest.raises(Invalid) as error:
        create_consultation(
            slug="Pas Bon",
            title="",
            qpv_codes=[],
            opens_at=now,
            closes_at=now - timedelta(days=1),
            moderation_mode="jamais",
            voting_mode="étoiles",
            geometry_kinds=["cercle"],
        )
    assert set(error.value.fields) == {
        "slug",
        "title",
        "qpv_codes",
        "closes_at",
        "moderation_mode",
        "voting_mode",
        "geometry_kinds",
    }
    with pytest.raises(Invalid):
        create_consultation(
            slug="inconnu", title="X", qpv_codes=["QP999999"], opens_at=now, closes_at=now + timedelta(days=1)
        )
    make_consultation(slug="deja-prise")
    with pytest.raises(Conflict):
        make_consultation(slug="deja-prise")


def test_closed_consultation_is_not_on_the_home_page(client, make_consultation):
    make_consultation(title="Concertation ouverte de la Cité 2", qpv_codes=["QP062026"])
    make_consultation(title="Concertation close de Wingles", qpv_codes=["QP062035"], is_open=False)
    html = client.get("/").get_data(as_text=True)
    assert "Concertation ouverte de la Cité 2" in html
    assert "Concertation close de Wingles" not in html


def test_demo_seed_creates_the_three_npnru_consultations_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "concertations créées = 0" in second.output
    rows = db.session.execute(
        text("SELECT slug, npnru_qpv_code FROM consultations WHERE npnru_qpv_code IS NOT NULL ORDER BY slug")
    ).all()
    assert [r[1] for r in rows] == ["QP062028", "QP062024", "QP062019"]


def test_consultation_api_and_page(client, make_consultation):
    consultation = make_consultation(slug="api-test", title="Concertation de l'API")
    listed = client.get("/api/consultations?open=true").get_json()
    assert "api-test" in [c["slug"] for c in listed]
    detail = client.get("/api/consultations/api-test").get_json()
    assert detail["perimeter"]["type"] == "MultiPolygon"
    assert detail["perimeter_provisional"] is True and detail["phase"] == "open"
    (south, west), (north, east) = detail["bounds"]
    assert 50.3 < south < north < 50.6 and 2.6 < west < east < 3.1
    page = client.get(f"/consultations/{consultation.slug}").get_data(as_text=True)
    assert "Périmètre provisoire" in page
    missing = client.get("/api/consultations/nexiste-pas")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
