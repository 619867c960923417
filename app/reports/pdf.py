"""The « Bilan de la concertation » PDF: an HTML template rendered by WeasyPrint."""

from datetime import datetime
from pathlib import Path

from babel.numbers import format_percent as babel_percent
from flask import current_app, render_template
from flask_babel import format_decimal, get_locale

from app.i18n import DEFAULT_LOCALE, normalise
from app.templating import number_fr, paris_date

CSS_FILE = "css/reports_pdf.css"


def iso_date(value, with_time=False):
    """An ISO date string (as stored in the figures) shown in French, Europe/Paris."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return paris_date(value, with_time=with_time)


def decimal_fr(value, digits=1):
    """1234.5 -> « 1 234,5 » in French (Babel, the bilan's language); a whole value without decimals;
    None -> « – »."""
    if value is None:
        return "–"
    return format_decimal(round(value, digits), format=f"#,##0.{'#' * digits}" if digits else "#,##0")


def percent(part, whole):
    """part / whole as a percentage in the bilan's language (« 12,5 % » in French), or « – »."""
    if not whole:
        return "–"
    return babel_percent(round(part / whole, 3), locale=get_locale(), decimal_quantization=False)


def report_locale(report):
    """The bilan's language: the one chosen in the account of whoever asked for it, else French
    (a job has no request: nightly refreshes and reports without a requester stay in French)."""
    return normalise(getattr(report.requested_by, "locale", None)) or DEFAULT_LOCALE


def template_helpers():
    """Functions the report templates (page and PDF) use."""
    return {"iso_date": iso_date, "decimal_fr": decimal_fr, "percent": percent, "nfr": number_fr}


def render_pdf(report, figures, annex, charts, map_file, folder):
    """Write `folder`/bilan.pdf and return its path."""
    from weasyprint import CSS, HTML

    html = render_template(
        "reports/pdf.html",
        report=report,
        f=figures,
        annex=annex,
        charts=charts,
        map_file=map_file,
        **template_helpers(),
    )
    css = CSS(filename=str(Path(current_app.static_folder) / CSS_FILE))
    path = Path(folder) / "bilan.pdf"
    HTML(string=html, base_url=str(folder)).write_pdf(str(path), stylesheets=[css])
    return path
