"""The bilan in Arabic: asked for by a staff member whose account is in Arabic, the PDF is written
right to left in Arabic (text extracted with pdftotext), the figures unchanged."""

import subprocess

from app.extensions import db
from app.reports import queries
from app.reports.models import Report
from app.reports.services import request_report


def _render(seed_reports, run_jobs, make_user, locale):
    data = seed_reports()
    urbanist = make_user(role="urbanist", locale=locale)
    report = request_report(urbanist, consultation=data.consultation)
    run_jobs(["reports"])
    db.session.expire_all()
    report = db.session.get(Report, report.id)
    assert report.status == "finished", report.error
    return data, report, queries.pdf_file(report)


def test_bilan_pdf_in_arabic_for_an_arabic_account(seed_reports, run_jobs, make_user, artifacts):
    data, report, path = _render(seed_reports, run_jobs, make_user, "ar")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    # Phrases without the lam-alef ligature, which pdftotext gives back as separate letters.
    for arabic in (
        "حصيلة التشاور",
        "المحتويات",
        "المقاربة والمنهجية",
        "ما قاله السكان",
        "الردود الرسمية",
        "صفحة",
    ):
        assert arabic in text, arabic
    assert "Bilan de la concertation" not in text and "Qui a participé" not in text
    assert data.consultation.title in text  # what people wrote is never translated
    html = (path.parent / "bilan.html").read_text() if (path.parent / "bilan.html").exists() else None
    assert html is None or 'dir="rtl"' in html
    for old in artifacts.glob("reports-bilan-ar-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(path), str(artifacts / "reports-bilan-ar")], check=True
    )
    assert list(artifacts.glob("reports-bilan-ar-*.png"))


def test_bilan_pdf_stays_french_without_a_chosen_language(seed_reports, run_jobs, make_user):
    _data, _report, path = _render(seed_reports, run_jobs, make_user, None)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "Bilan de la concertation" in text and "حصيلة" not in text
