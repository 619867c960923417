"""The bilan's map figure over streets (tiles of a fake server), its numbered zones, held workshops."""

import subprocess
from datetime import timedelta

from PIL import Image

from app.consultations.models import utcnow
from app.extensions import db
from app.reports import queries
from app.reports.models import Report
from app.reports.services import request_report
from app.workshops.models import Workshop
from tests.reports.test_pdf import pdf_text
from tests.tileserver import ATTRIBUTION, tile_pixel_share


def _report(seed_reports, run_jobs):
    data = seed_reports()
    report = request_report(None, consultation=data.consultation)
    run_jobs(["reports"])
    db.session.expire_all()
    return data, db.session.get(Report, report.id)


def _map_page(report, tmp_path, name):
    """(PNG of the PDF page holding the map, text of that page)."""
    path = queries.pdf_file(report)
    pages, _ = pdf_text(path)
    index = next(i for i, page in enumerate(pages) if "(tirets bleus)" in page)
    prefix = tmp_path / name
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", "-f", str(index + 1), "-l", str(index + 1), str(path), str(prefix)],
        check=True,
    )
    return next(tmp_path.glob(f"{name}*.png")), " ".join(pages[index].split())


def test_the_bilan_map_prints_tiles_numbers_and_attribution(
    seed_reports, run_jobs, tile_server, tmp_path, artifacts
):
    _, report = _report(seed_reports, run_jobs)
    png, words = _map_page(report, tmp_path, "bilan-carte")
    (artifacts / "reports-bilan-map-streets.png").write_bytes(png.read_bytes())
    assert tile_pixel_share(png) > 0.15  # the map image is mostly tiles
    assert f"fond de plan : {ATTRIBUTION}" in words
    assert "indisponible" not in words
    assert all(agent.startswith("CarteCommune/") for _, agent in tile_server.requests)
    # « numérotées »: each zone's number is drawn (its badge) and listed in the table below the map
    zones = report.figures["hotspots"]["zones"]
    assert zones and "(numérotées)" in words
    figure = Image.open(queries.output_file(report, "map.png")).convert("RGB")
    badges = sum(1 for pixel in figure.getdata() if pixel == (200, 85, 61))
    assert badges > 60 * len(zones)  # solid badge discs, not only the zones' outlines
    table = words[words.index("Les zones de forte contribution") :]
    for zone in zones:
        assert str(zone["rank"]) in table


def test_without_tiles_the_bilan_map_still_renders_with_a_note(
    seed_reports, run_jobs, dead_tile_server, tmp_path
):
    _, report = _report(seed_reports, run_jobs)
    assert report.status == "finished"
    png, words = _map_page(report, tmp_path, "bilan-carte-sans-rues")
    assert tile_pixel_share(png) < 0.001
    assert "Fond de plan indisponible lors de la production du bilan" in words


def test_workshops_not_yet_held_are_not_counted(seed_reports, run_jobs, tmp_path):
    data = seed_reports()
    coming = Workshop(
        consultation_id=data.consultation.id,
        title="Atelier de printemps",
        starts_at=utcnow() + timedelta(days=20),
        place_name="Salle des fêtes",
        participants_count=40,  # expected people, not people who came
    )
    db.session.add(coming)
    db.session.flush()
    report = request_report(None, consultation=data.consultation)
    run_jobs(["reports"])
    db.session.expire_all()
    figures = db.session.get(Report, report.id).figures
    assert figures["workshops"]["count"] == 1
    assert figures["participants_workshops"] == 17
    assert [w["title"] for w in figures["workshops"]["items"]] == ["Atelier cartographique"]
    assert [w["title"] for w in figures["workshops"]["coming"]] == ["Atelier de printemps"]
    _, body = pdf_text(queries.pdf_file(db.session.get(Report, report.id)))
    assert "lors de 1 atelier" in body and "À venir, non compté dans ce bilan : Atelier de printemps" in body
