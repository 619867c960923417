"""In Chromium at 1366×768: a lead previews the perimeter of two QPV, then draws one point by point on the
map, sees a wrong (crossed) drawing refused in French, previews the right one and saves it."""

import pytest
from sqlalchemy import select, text

from app.consultations.models import Consultation
from app.extensions import db
from tests.consultations.test_browser import DESKTOP, _fill_phases, open_page, sign_in  # noqa: F401

pytestmark = [pytest.mark.committed, pytest.mark.browser]


def _click_points(page, offsets):
    area = page.locator("#perimeter-map")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    for dx, dy in offsets:
        area.click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})
        page.wait_for_timeout(120)


def test_draw_preview_and_save_a_perimeter(live_server, open_page, make_user, artifacts):  # noqa: F811
    base = live_server.url
    admin = make_user(role="admin")
    page = open_page(DESKTOP)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, admin, "/gestion/concertations/nouvelle")
    page.fill("#title", "Les abords de la gare")
    page.fill("#slug", "abords-gare")
    _fill_phases(page)
    status = page.locator("#perimeter-status")

    # 1. Two QPV: the provisional perimeter (their communes) is previewed, nothing saved.
    page.check("input[name=qpv_codes][value=QP062024]")
    page.check("input[name=qpv_codes][value=QP062019]")
    page.get_by_role("button", name="Prévisualiser le périmètre").click()
    page.wait_for_selector("#perimeter-map[data-previewed=qpv]", state="attached")
    assert "périmètre provisoire" in status.text_content()
    page.uncheck("input[name=qpv_codes][value=QP062019]")

    # 2. A crossed drawing (bow tie): the save's French message, no preview.
    page.get_by_role("button", name="Dessiner le périmètre").click()
    _click_points(page, [(-60, -40), (60, 40), (60, -40), (-60, 40)])
    assert status.text_content().endswith("4")
    page.get_by_role("button", name="Prévisualiser le périmètre").click()
    page.locator("#perimeter-status.field-error").wait_for()
    assert "n'est pas un polygone valide" in status.text_content()
    assert page.get_attribute("#perimeter-map", "data-previewed") is None

    # 3. A clean drawing, one vertex undone, previewed: the preview replaces the QPV perimeter.
    page.get_by_role("button", name="Dessiner le périmètre").click()
    _click_points(page, [(-70, -50), (70, -50), (90, 40), (-60, 60), (0, 0)])
    page.get_by_role("button", name="Retirer le dernier sommet").click()
    page.get_by_role("button", name="Terminer le tracé").click()
    drawn = page.input_value("#perimeter_drawn")
    assert drawn.count("[") == 2 + 5  # polygon, ring, 4 vertices + closing vertex
    page.get_by_role("button", name="Prévisualiser le périmètre").click()
    page.wait_for_selector("#perimeter-map[data-previewed=drawn]", state="attached")
    assert "tracé sur la carte" in status.text_content() and "marge de 300 m" in status.text_content()
    assert page.locator("#perimeter-map path.leaflet-interactive, #perimeter-map path").count() >= 3
    assert db.session.scalar(select(Consultation.id).where(Consultation.slug == "abords-gare")) is None
    page.locator("#perimeter-tool").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "backoffice-perimetre-dessine-1366.png")

    # 4. Saved: the drawn polygon is the perimeter (not provisional); the QPV stays attached.
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Concertation « Les abords de la gare » créée.").wait_for()
    db.session.expire_all()
    created = db.session.scalar(select(Consultation).where(Consultation.slug == "abords-gare"))
    assert created.perimeter_provisional is False and [q.code for q in created.qpvs] == ["QP062024"]
    same = db.session.scalar(
        text(
            "SELECT ST_Equals(geom, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)))"
            " FROM consultations WHERE id = :id"
        ),
        {"g": drawn, "id": created.id},
    )
    assert same
    page.screenshot(path=artifacts / "backoffice-perimetre-enregistre-1366.png", full_page=True)
    # The only failed request is the crossed drawing's preview, refused with 422 on purpose.
    assert [e for e in errors if "422" not in e] == [] and page.outside == []
