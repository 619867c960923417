"""A path without the map: address search (keyboard only, fake geocoder), a « lieu repère », a place outside."""

import pytest
from sqlalchemy import text

from app.consultations.models import Landmark
from app.extensions import db
from tests.conftest import PASSWORD, login
from tests.contributions.conftest import east_of_perimeter, inside_lonlat
from tests.contributions.fake_geocoder import feature

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "locale": "fr-FR"}


def test_form_without_place_offers_address_landmarks_and_here(client, consultation, resident):
    lon, lat = inside_lonlat(consultation)
    db.session.add(
        Landmark(consultation_id=consultation.id, name="Stade Bollaert", geom=f"SRID=4326;POINT({lon} {lat})")
    )
    login(client, resident)
    html = client.get(f"/consultations/{consultation.slug}/proposer").get_data(as_text=True)
    assert (
        'role="combobox"' in html and 'aria-controls="cc-address-list"' in html and 'role="listbox"' in html
    )
    assert "Stade Bollaert" in html and f"lon={lon:.6f}" in html and "Je suis ici" in html


def test_a_place_outside_is_flagged_with_back_to_the_neighbourhood(client, consultation, resident):
    login(client, resident)
    lon, lat = east_of_perimeter(consultation, 5000)["coordinates"]
    html = client.get(f"/consultations/{consultation.slug}/proposer?lon={lon}&lat={lat}").get_data(
        as_text=True
    )
    assert "hors du périmètre de la concertation" in html and "Revenir au quartier" in html
    assert 'id="cc-form"' not in html


@pytest.fixture
def small_phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(8000)
    yield page
    context.close()


def _sign_in(page, base, user):
    page.goto(base + "/connexion")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def _tab_to(page, element_id, most=40):
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reached with Tab")


def _titles(consultation_id):
    return db.session.execute(
        text(
            "SELECT title, ST_X(anchor), ST_Y(anchor) FROM contributions WHERE consultation_id = :id ORDER BY id"
        ),
        {"id": consultation_id},
    ).all()


@pytest.mark.committed
@pytest.mark.browser
def test_propose_by_address_with_the_keyboard_only_then_by_landmark(
    live_server, small_phone, make_consultation, make_user, geocoder, artifacts
):
    consultation = make_consultation(qpv_codes=["QP062024"])
    lon, lat = inside_lonlat(consultation)
    far_lon, far_lat = east_of_perimeter(consultation, 5000)["coordinates"]
    db.session.add(
        Landmark(consultation_id=consultation.id, name="Stade Bollaert", geom=f"SRID=4326;POINT({lon} {lat})")
    )
    user = make_user()
    db.session.commit()
    geocoder.search_features = [
        feature(far_lon, far_lat, "8 Rue de Lille 62300 Lens", "62498", "8", "Rue de Lille"),
        feature(lon, lat, "12 Rue de Lille 62300 Lens", "62498", "12", "Rue de Lille"),
    ]
    page, base = small_phone, live_server.url
    _sign_in(page, base, user)
    page.goto(f"{base}/consultations/{consultation.slug}/proposer")
    combo = page.get_by_role("combobox", name="Par une adresse")
    combo.focus()
    page.keyboard.type("rue de lille", delay=20)
    page.get_by_role("option", name="12 Rue de Lille 62300 Lens").wait_for()
    assert combo.get_attribute("aria-expanded") == "true"
    outside = page.get_by_role(
        "option", name="8 Rue de Lille 62300 Lens (hors du périmètre de la concertation)"
    )
    assert outside.get_attribute("aria-disabled") == "true"
    page.keyboard.press("ArrowDown")  # the outside one: Enter explains, does not choose
    assert combo.get_attribute("aria-activedescendant") == "cc-address-option-0"
    page.keyboard.press("Enter")
    page.get_by_text("hors du périmètre de la concertation. Choisissez une autre adresse.").wait_for()
    page.keyboard.press("ArrowDown")
    assert combo.get_attribute("aria-activedescendant") == "cc-address-option-1"
    page.screenshot(path=artifacts / "place-01-adresse.png")
    page.keyboard.press("Enter")
    page.get_by_text("Lieu choisi : 12 Rue de Lille 62300 Lens").wait_for()
    _tab_to(page, "cc-theme")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Un banc devant le 12")
    page.keyboard.press("Enter")
    page.get_by_text("Merci ! Votre idée est publiée sur la carte.").wait_for()

    page.goto(f"{base}/consultations/{consultation.slug}/proposer")
    page.get_by_role("link", name="Stade Bollaert").click()
    page.get_by_text("Lieu choisi : Stade Bollaert").wait_for()
    page.locator("#cc-theme").select_option(index=1)
    page.locator("#cc-title").fill("Des toilettes au stade")
    page.get_by_role("button", name="Publier mon idée").click()
    page.get_by_text("Merci ! Votre idée est publiée sur la carte.").wait_for()
    page.screenshot(path=artifacts / "place-02-repere.png")
    rows = _titles(consultation.id)
    assert [r[0] for r in rows] == ["Un banc devant le 12", "Des toilettes au stade"]
    for _, x, y in rows:
        assert (x, y) == (pytest.approx(lon, abs=1e-6), pytest.approx(lat, abs=1e-6))


@pytest.mark.committed
@pytest.mark.browser
def test_here_refused_says_how_to_allow_and_outside_offers_back_to_the_neighbourhood(
    live_server, browser, make_consultation, make_user
):
    consultation = make_consultation(qpv_codes=["QP062024"])
    far_lon, far_lat = east_of_perimeter(consultation, 5000)["coordinates"]
    user = make_user()
    db.session.commit()
    url = f"{live_server.url}/consultations/{consultation.slug}/proposer"
    refused = browser.new_context(**PHONE)
    page = refused.new_page()
    _sign_in(page, live_server.url, user)
    page.goto(url)
    page.get_by_role("button", name="Je suis ici").click()
    page.get_by_text("La localisation est refusée. Pour l'autoriser").wait_for(timeout=8000)
    refused.close()
    allowed = browser.new_context(
        **PHONE, permissions=["geolocation"], geolocation={"longitude": far_lon, "latitude": far_lat}
    )
    page = allowed.new_page()
    _sign_in(page, live_server.url, user)
    page.goto(url)
    page.get_by_role("button", name="Je suis ici").click()
    page.get_by_text("Ce lieu est hors du périmètre de la concertation.").wait_for(timeout=8000)
    page.get_by_role("link", name="Revenir au quartier").click()
    page.get_by_role("combobox", name="Par une adresse").wait_for()
    allowed.close()


def test_here_outside_on_the_map_is_flagged_at_once_with_back_to_the_neighbourhood(
    live_server, browser, make_consultation, make_user
):
    """On the map itself, « Je suis ici » far from the consultation says so and brings the map back."""
    consultation = make_consultation(qpv_codes=["QP062024"])
    far_lon, far_lat = east_of_perimeter(consultation, 5000)["coordinates"]
    user = make_user()
    db.session.commit()
    context = browser.new_context(
        **PHONE, permissions=["geolocation"], geolocation={"longitude": far_lon, "latitude": far_lat}
    )
    page = context.new_page()
    page.set_default_timeout(8000)
    _sign_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/consultations/{consultation.slug}/carte")
    page.wait_for_function("window.CarteCommune && window.CarteCommune.map")
    center = "[window.CarteCommune.map.getCenter().lng, window.CarteCommune.map.getCenter().lat]"
    first = page.evaluate(center)  # the first view frames the consultation
    page.get_by_role("button", name="+ Proposer une idée").click()
    page.get_by_role("button", name="Je suis ici").click()
    page.get_by_text("Vous êtes hors du quartier de la concertation").wait_for()
    page.screenshot(path="test-artifacts/place-outside-on-the-map.png")
    # The resident had wandered off (the map moved east): the button brings back the consultation's view.
    # (panned again until it shows: a pan made while the map still settles after the sheet opened is undone)
    page.wait_for_function(
        "([lon]) => { const map = window.CarteCommune.map;"
        " if (map.getCenter().lng > lon + 0.0005) { return true; }"
        " map.panBy([250, 0], {animate: false}); return false; }",
        arg=[first[0]],
        polling=500,
    )
    page.get_by_role("button", name="Revenir au quartier").click()
    page.wait_for_function(
        f"([lon, lat]) => Math.abs({center}[0] - lon) < 0.0002 && Math.abs({center}[1] - lat) < 0.0002",
        arg=first,
        timeout=15000,
    )
    assert page.get_by_text("Vous êtes hors du quartier de la concertation").count() == 0
    context.close()
