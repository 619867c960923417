"""The « Bilan de la concertation » PDF: its text holds the figures and every published title."""

import re
import subprocess

from PIL import Image, ImageStat
from pypdf import PdfReader
from sqlalchemy import text

from app.extensions import db
from app.reports import queries
from app.reports.models import Report
from app.reports.services import request_report
from app.templating import number_fr


def pdf_text(path):
    reader = PdfReader(str(path))
    pages = [page.extract_text() for page in reader.pages]
    return pages, re.sub(r"\s+", " ", " ".join(pages))


def test_pdf_holds_figures_and_every_published_title(seed_reports, run_jobs, artifacts):
    data = seed_reports()
    report = request_report(None, consultation=data.consultation)
    run_jobs(["reports"])
    db.session.expire_all()
    report = db.session.get(Report, report.id)
    path = queries.pdf_file(report)
    assert path is not None and path.read_bytes().startswith(b"%PDF")
    pages, body = pdf_text(path)
    f = report.figures
    assert len(pages) >= 6
    assert "Bilan de la concertation" in body and data.consultation.title in body
    participants, contributions, votes = (
        number_fr(f[key]) for key in ("participants", "contributions", "votes")
    )
    assert f"{participants} personnes ont participé" in body
    assert f"{contributions} contributions ont été publiées" in body
    assert f"{votes} votes exprimés en ligne" in body
    assert f"Participants {participants}" in body and f"Votes en ligne {votes}" in body
    assert f"Contributions publiées {contributions}" in body
    assert "Indice de controverse" in body
    assert re.search(r"page 2 / \d+", body)
    assert "Données au" in body or "données arrêtées au" in body
    annex = body[body.rindex("Annexe : toutes les contributions publiées") :]
    titles = db.session.execute(
        text("SELECT title FROM contributions WHERE consultation_id = :c AND status = 'published'"),
        {"c": data.consultation.id},
    ).scalars()
    for title in titles:
        assert title in annex, title
    for hidden in data.hidden:
        assert hidden.title not in body
    assert "Hors de la concertation 1" not in body
    # The answers given are quoted.
    assert "Réponse de l'équipe projet : proposition retenue." in body

    # Every page rendered (pdftoppm) for a look: none is blank, the cover and map pages carry colour.
    for old in artifacts.glob("reports-bilan-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(artifacts / "reports-bilan")], check=True)
    images = sorted(artifacts.glob("reports-bilan-*.png"))
    assert len(images) == len(pages)
    for image in images:
        grey = ImageStat.Stat(Image.open(image).convert("L"))
        assert grey.mean[0] < 254, f"{image.name} est blanche"
    saturation = ImageStat.Stat(Image.open(images[0]).convert("HSV")).mean[1]
    assert saturation > 5, "la couverture n'a pas de couleur"
    # No word runs off the page: every word box ends inside the right margin (pdftotext -bbox).
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True)
    for page_match in re.finditer(r'<page width="([\d.]+)".*?</page>', boxes.stdout, re.S):
        width = float(page_match.group(1))
        for x_max, word in re.findall(r'<word [^>]*xMax="([\d.]+)"[^>]*>([^<]*)</word>', page_match.group(0)):
            assert float(x_max) <= width - 28, f"« {word} » dépasse de la page ({x_max} > {width - 28})"
