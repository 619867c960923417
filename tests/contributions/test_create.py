"""create_contribution: perimeter + buffer, open consultation, geometry checks, fields, derived QPV."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.consultations.models import utcnow
from app.contributions.services import create_contribution
from app.errors import Forbidden, Invalid
from app.extensions import db
from tests.contributions.conftest import count_contributions, east_of_perimeter, inside_lonlat, point


def _create(user, consultation, geometry, **kwargs):
    kwargs.setdefault("theme_slug", "cadre-de-vie-espaces-publics")
    kwargs.setdefault("title", "Des bancs place Bollaert")
    kwargs.setdefault("body", "Pour se reposer en allant au marché.")
    return create_contribution(user, consultation, geometry, **kwargs)


def test_inside_the_perimeter_is_published_with_qpv_commune_and_anchor(consultation, resident, inside_point):
    contribution = _create(resident, consultation, inside_point)
    assert contribution.status == "published" and contribution.published_at is not None
    assert contribution.qpv_code == "QP062024"
    assert contribution.commune_insee == "62498"  # Lens
    same = db.session.execute(
        text("SELECT ST_Equals(geom, anchor) FROM contributions WHERE id = :id"), {"id": contribution.id}
    ).scalar()
    assert same


def test_within_the_buffer_is_accepted_and_gets_the_nearest_consultation_qpv(consultation, resident):
    contribution = _create(resident, consultation, east_of_perimeter(consultation, 150))
    assert contribution.status == "published"
    assert contribution.qpv_code == "QP062024"  # not inside it, but the nearest of the consultation
    assert contribution.commune_insee != "62498"  # across the commune boundary


def test_outside_the_buffer_is_refused_with_the_french_message_and_nothing_is_stored(consultation, resident):
    before = count_contributions()
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, east_of_perimeter(consultation, 600))
    assert error.value.message.startswith("Ce lieu est en dehors du périmètre de la concertation")
    assert "300 m" in error.value.message
    assert list(error.value.fields) == ["geometry"]
    assert count_contributions() == before


def test_a_closed_or_future_consultation_refuses_contributions(make_consultation, resident):
    closed = make_consultation(is_open=False)
    with pytest.raises(Forbidden) as error:
        _create(resident, closed, point(*inside_lonlat(closed)))
    assert error.value.code == "consultation_closed"
    future = make_consultation(opens_at=utcnow() + timedelta(days=3), closes_at=utcnow() + timedelta(days=30))
    with pytest.raises(Forbidden):
        _create(resident, future, point(*inside_lonlat(future)))
    assert count_contributions() == 0


@pytest.mark.parametrize(
    "geometry, expected",
    [
        ("POINT(2.8 50.4)", "GeoJSON"),
        ({"type": "Point"}, "GeoJSON"),
        ({"coordinates": [2.8, 50.4]}, "GeoJSON"),
        ({"type": "Feature", "coordinates": [2.8, 50.4]}, "non pris en charge"),
        ({"type": "MultiPoint", "coordinates": [[2.8, 50.4]]}, "non pris en charge"),
        ({"type": "Point", "coordinates": [200, 50.4]}, "hors limites"),
        ({"type": "Point", "coordinates": [2.8, -95]}, "hors limites"),
        ({"type": "Point", "coordinates": ["2.8", "50.4"]}, "nombres"),
        ({"type": "Point", "coordinates": [float("nan"), 50.4]}, "finis"),
        ({"type": "Point", "coordinates": [2.8]}, "paire"),
        ({"type": "LineString", "coordinates": [[2.8, 50.4]]}, "au moins 2"),
        ({"type": "Polygon", "coordinates": [[[2.8, 50.4], [2.81, 50.4], [2.81, 50.41]]]}, "au moins 4"),
        (
            {"type": "Polygon", "coordinates": [[[2.8, 50.4], [2.81, 50.4], [2.81, 50.41], [2.8, 50.5]]]},
            "fermé",
        ),
    ],
)
def test_bad_geometries_are_refused_in_french(consultation, resident, geometry, expected):
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, geometry)
    assert expected in error.value.fields["geometry"][0]
    assert count_contributions() == 0


def test_self_intersecting_polygon_is_refused(consultation, resident):
    lon, lat = inside_lonlat(consultation)
    d = 0.0005
    bowtie = [[lon, lat], [lon + d, lat + d], [lon + d, lat], [lon, lat + d], [lon, lat]]
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, {"type": "Polygon", "coordinates": [bowtie]})
    assert "se croise" in error.value.fields["geometry"][0]


def test_lines_and_polygons_only_when_the_consultation_allows_them(consultation, make_consultation, resident):
    lon, lat = inside_lonlat(consultation)
    d = 0.0004
    square = {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat]]],
    }
    line = {"type": "LineString", "coordinates": [[lon, lat], [lon + d, lat + d]]}
    assert _create(resident, consultation, square).anchor is not None
    assert _create(resident, consultation, line).status == "published"
    points_only = make_consultation(qpv_codes=["QP062024"])
    with pytest.raises(Invalid) as error:
        _create(resident, points_only, square)
    assert "accepte seulement" in error.value.fields["geometry"][0]


def test_a_polygon_reaching_outside_the_buffer_is_refused(consultation, resident):
    inside = east_of_perimeter(consultation, 100)["coordinates"]
    far = east_of_perimeter(consultation, 2000)["coordinates"]
    polygon = [[inside[0], inside[1]], [far[0], far[1]], [far[0], far[1] + 0.001], [inside[0], inside[1]]]
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, {"type": "Polygon", "coordinates": [polygon]})
    assert error.value.code == "outside_perimeter"


def test_fields_are_checked_together(consultation, resident, inside_point):
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, inside_point, theme_slug="inconnu", title=" a ", body="x" * 5001)
    assert set(error.value.fields) == {"theme", "title", "body"}
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, inside_point, title="t" * 141)
    assert "140" in error.value.fields["title"][0]


def test_theme_must_belong_to_the_consultation(make_consultation, resident):
    consultation = make_consultation(theme_slugs=["sante", "logement-habitat"])
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, point(*inside_lonlat(consultation)), theme_slug="numerique")
    assert list(error.value.fields) == ["theme"]


def test_pre_moderation_and_kiosk_contributions_wait_for_validation(
    make_consultation, consultation, resident
):
    pre = make_consultation(moderation_mode="pre")
    pending = _create(resident, pre, point(*inside_lonlat(pre)))
    assert pending.status == "pending" and pending.published_at is None
    kiosk = _create(None, consultation, point(*inside_lonlat(consultation)), source="kiosk")
    assert kiosk.status == "pending" and kiosk.author_id is None


def test_only_confirmed_active_accounts_may_post(consultation, make_user, inside_point):
    with pytest.raises(Forbidden) as error:
        _create(make_user(confirmed=False), consultation, inside_point)
    assert error.value.code == "unconfirmed"
    with pytest.raises(Forbidden):
        _create(make_user(suspended_until=utcnow() + timedelta(days=2)), consultation, inside_point)
    with pytest.raises(Forbidden):
        _create(make_user(banned_at=utcnow()), consultation, inside_point)
    assert count_contributions() == 0


def test_text_is_kept_as_typed_without_control_characters(consultation, resident, inside_point):
    contribution = _create(
        resident, consultation, inside_point, title="  <b>Un parc</b>\x00 ", body="Ligne 1\r\nLigne 2\x07"
    )
    assert contribution.title == "<b>Un parc</b>"
    assert contribution.body == "Ligne 1\nLigne 2"
