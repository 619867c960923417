"""The « Bilan de la concertation » PDF: its text holds the figures and every published title."""

import re

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


def test_pdf_holds_figures_and_every_published_title(seed_reports, run_jobs):
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
