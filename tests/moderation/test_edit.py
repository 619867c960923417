"""Moderator edits keep the previous version; the pin moves only inside the perimeter + buffer."""

import pytest
from sqlalchemy import text

from app.contributions.models import ContributionVersion
from app.errors import Invalid
from app.extensions import db
from app.moderation import services
from tests.conftest import csrf_token, login
from tests.moderation.conftest import actions_of, centre, offset


def anchor(contribution_id):
    return db.session.execute(
        text("SELECT ST_X(anchor), ST_Y(anchor) FROM contributions WHERE id = :id"), {"id": contribution_id}
    ).one()


def test_edit_keeps_the_previous_version_and_is_audited(consultation, make_contribution, moderator):
    lon, lat = centre(consultation)
    item = make_contribution(consultation, lon=lon, lat=lat, title="Un bnac devant l'écol", theme="sante")
    new_lon, new_lat = offset((lon, lat), east_m=60)
    services.edit_contribution(
        moderator,
        item,
        title="Un banc devant l'école",
        theme_slug="cadre-de-vie-espaces-publics",
        geometry={"type": "Point", "coordinates": [new_lon, new_lat]},
        reason="faute de frappe, thème, lieu",
    )
    versions = db.session.query(ContributionVersion).filter_by(contribution_id=item.id).all()
    assert len(versions) == 1
    old = versions[0]
    assert (old.title, old.theme_slug, old.editor_id) == ("Un bnac devant l'écol", "sante", moderator.id)
    old_lonlat = db.session.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM contribution_versions WHERE id = :id"), {"id": old.id}
    ).one()
    assert old_lonlat == pytest.approx((lon, lat))
    assert (item.title, item.theme_slug) == ("Un banc devant l'école", "cadre-de-vie-espaces-publics")
    assert anchor(item.id) == pytest.approx((new_lon, new_lat))
    entry = actions_of("contribution", item.id)[-1]
    assert entry.action == "edit" and entry.reason == "faute de frappe, thème, lieu"
    assert (
        entry.before["title"] == "Un bnac devant l'écol" and entry.after["title"] == "Un banc devant l'école"
    )
    assert entry.before["anchor"] != entry.after["anchor"]


def test_pin_outside_the_perimeter_and_buffer_is_refused_and_nothing_is_written(
    consultation, make_contribution, moderator
):
    lon, lat = centre(consultation)
    item = make_contribution(consultation, lon=lon, lat=lat)
    far = offset((lon, lat), east_m=20_000)
    with pytest.raises(Invalid) as error:
        services.edit_contribution(moderator, item, geometry={"type": "Point", "coordinates": list(far)})
    assert "périmètre" in error.value.message
    with pytest.raises(Invalid):
        services.edit_contribution(moderator, item, theme_slug="n-existe-pas")
    with pytest.raises(Invalid):
        services.edit_contribution(moderator, item, geometry={"type": "Point", "coordinates": [500, 2]})
    assert db.session.query(ContributionVersion).filter_by(contribution_id=item.id).count() == 0
    assert anchor(item.id) == pytest.approx((lon, lat))


def test_edit_form_in_the_back_office(client, consultation, make_contribution, moderator):
    lon, lat = centre(consultation)
    item = make_contribution(consultation, lon=lon, lat=lat, title="Titre avec une fote")
    db.session.commit()
    login(client, moderator)
    page = client.get(f"/moderation/contributions/{item.id}")
    assert page.status_code == 200 and "Titre avec une fote" in page.get_data(as_text=True)
    new_lon, new_lat = offset((lon, lat), north_m=40)
    response = client.post(
        f"/moderation/contributions/{item.id}/modifier",
        data={
            "csrf_token": csrf_token(client, "/moderation"),
            "title": "Titre avec une faute corrigée",
            "body": item.body,
            "theme_slug": item.theme_slug,
            "lon": f"{new_lon:.6f}",
            "lat": f"{new_lat:.6f}",
            "reason": "orthographe",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert item.title == "Titre avec une faute corrigée"
    page = client.get(f"/moderation/contributions/{item.id}").get_data(as_text=True)
    assert "Versions précédentes" in page and "Titre avec une fote" in page
