"""The printable workshop map: a real PDF, turned into PNG, whose QR code decodes to the online map."""

import re
import subprocess

import pytest
import zxingcpp
from flask import url_for
from PIL import Image
from sqlalchemy import text

from app.extensions import db
from app.workshops import queries

THEMES = [
    "cadre-de-vie-espaces-publics",
    "logement-habitat",
    "education-jeunesse",
    "mobilite-accessibilite",
    "commerces-activite-economique",
]
TITLES = [
    "Un passage piéton devant l'école",
    "Rénover les façades de la cité",
    "Des jeux pour les petits",
    "Un jardin partagé derrière la salle",
    "Plus d'éclairage rue de la Gare",
    "Un local pour les associations",
]


@pytest.fixture
def published(consultation, make_contribution):
    """30 published contributions spread over the perimeter (+ hidden and pending ones, not printed)."""
    points = db.session.execute(
        text(
            "SELECT ST_X(g), ST_Y(g) FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, 34, 7))).geom AS g"
            " FROM consultations WHERE id = :id) s"
        ),
        {"id": consultation.id},
    ).all()
    rows = []
    for i, (lon, lat) in enumerate(points):
        status = "hidden" if i == 3 else "pending" if i == 5 else "published"
        rows.append(
            make_contribution(
                consultation,
                lon=lon,
                lat=lat,
                theme=THEMES[i % len(THEMES)],
                title=f"{TITLES[i % len(TITLES)]} ({i + 1})",
                status=status,
            )
        )
    return rows


def pdf_pages(pdf_bytes, tmp_path, name, resolution=110):
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), str(pdf), str(tmp_path / name)], check=True)
    return sorted(tmp_path.glob(f"{name}-*.png")), pdf


def pdf_text(pdf):
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.parametrize("paper, size_mm", [("A4", (297, 210)), ("A3", (420, 297))])
def test_printable_map_pdf_renders_with_a_working_qr_code(
    client, app, workshop, consultation, published, tmp_path, artifacts, paper, size_mm
):
    response = client.get(f"/api/workshops/{workshop.id}/map.pdf?format={paper}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    pages, pdf = pdf_pages(response.data, tmp_path, f"carte-{paper}")
    assert len(pages) == 2  # the map, then the legend
    first = Image.open(pages[0])
    width_mm = first.width / 110 * 25.4
    assert abs(width_mm - size_mm[0]) < 2  # landscape
    for page in pages:
        Image.open(page).save(artifacts / f"workshop-map-{paper}-{page.stem[-1]}.png")

    decoded = zxingcpp.read_barcodes(first)
    with app.test_request_context():
        endpoint = (
            "contributions.consultation_map"
            if "contributions.consultation_map" in app.view_functions
            else ("consultations.show")
        )
        expected = app.config["PUBLIC_BASE_URL"] + url_for(endpoint, slug=consultation.slug)
    assert [code.text for code in decoded if code.format == zxingcpp.BarcodeFormat.QRCode] == [expected]

    words = pdf_text(pdf)
    # the grid's column letters and row numbers, the legend with numbers, titles and themes
    assert re.search(r"A\s+B\s+C\s+D\s+E\s+F\s+G\s+H", words)  # the column letters, in a row
    numbers = {c.id: queries.contribution_number(c) for c in published}
    shown = [c for c in published if c.status == "published"]
    for contribution in shown[:5]:
        assert f"{contribution.title}" in words
        assert str(numbers[contribution.id]) in words
    hidden = [c for c in published if c.status != "published"]
    assert all(c.title not in words for c in hidden)
    assert "Légende" in words and "Carte en ligne" in words and "1 case =" in words


def test_printed_numbers_are_stable_ranks_in_the_consultation(consultation, published):
    numbers = [queries.contribution_number(c) for c in published]
    assert numbers == list(range(1, len(published) + 1))
    rows, total = queries.printable_contributions(consultation.id, limit=10)
    assert total == len([c for c in published if c.status == "published"])
    assert len(rows) == 10 and [r["number"] for r in rows] == sorted(r["number"] for r in rows)
    assert queries.contribution_by_number(consultation.id, 7).id == published[6].id


def test_empty_consultation_still_prints(client, workshop):
    response = client.get(f"/api/workshops/{workshop.id}/map.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_unknown_paper_format_is_refused(client, workshop):
    response = client.get(f"/api/workshops/{workshop.id}/map.pdf?format=A0")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["format"] == ["Format : A4 ou A3."]


def test_printed_map_is_cached_until_what_it_shows_changes(client, workshop, consultation, make_contribution):
    from app.extensions import redis_connection

    first = make_contribution(consultation, title="Une idée imprimée")
    pdf = client.get(f"/api/workshops/{workshop.id}/map.pdf").data
    assert len(redis_connection().keys("workshops:map:*")) == 1
    assert client.get(f"/api/workshops/{workshop.id}/map.pdf").data == pdf  # served from the cache
    # a moderator hides it with a bare UPDATE (updated_at untouched): the next print must not show it
    db.session.execute(text("UPDATE contributions SET status = 'hidden' WHERE id = :id"), {"id": first.id})
    db.session.commit()
    response = client.get(f"/api/workshops/{workshop.id}/map.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert len(redis_connection().keys("workshops:map:*")) == 2
