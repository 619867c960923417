"""XLSX (openpyxl write-only: rows go to disk as they come): contributions, comments, summary."""

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from app.exports import sql
from app.exports.stream import batches, fetch_all
from app.territory.identity import territory_identity

MAX_ROWS = 1_048_575  # Excel's sheet limit, minus the header row
BOLD = Font(bold=True)
TEXT_COLUMNS = {"titre", "description", "reponse_officielle", "auteur", "texte"}
WIDTHS = {"titre": 40, "description": 60, "reponse_officielle": 40, "texte": 60, "qpv_nom": 30, "url": 40}
DATETIME_COLUMNS = {"cree_le", "publie_le"}
# Date-times in UTC, said in the cell; « hh » (not openpyxl's default « h ») makes GDAL and QGIS read
# the column as DateTime rather than Date.
DATETIME_FORMAT = 'yyyy-mm-dd hh:mm:ss "UTC"'


def total_rows(selection, counts):
    return counts["contributions"] + min(counts["comments"], MAX_ROWS)


def write(path, selection, options, progress):
    """Write the workbook to `path`; returns the number of contributions."""
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("Synthèse"))
    contributions = workbook.create_sheet(_("Contributions"))
    comments = workbook.create_sheet(_("Commentaires"))
    params = sql.base_params(selection)
    _write_summary(summary, selection, params, options)
    columns = sql.contribution_columns(selection, "xlsx")
    count = _write_table(
        contributions, sql.select_contributions(selection, columns), columns, params, progress
    )
    comment_columns = sql.comment_columns("xlsx")
    _write_table(
        comments, sql.select_comments(selection, comment_columns), comment_columns, params, progress, MAX_ROWS
    )
    workbook.save(path)
    return count


def _header(sheet, names):
    for index, name in enumerate(names):
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 14)
    sheet.freeze_panes = "A2"
    sheet.append([_bold(sheet, name) for name in names])


def _write_table(sheet, query, columns, params, progress, limit=None):
    names = [name for name, _ in columns]
    _header(sheet, names)
    texts = [index for index, name in enumerate(names) if name in TEXT_COLUMNS]
    moments = [index for index, name in enumerate(names) if name in DATETIME_COLUMNS]
    count = 0
    for rows in batches(query, params):
        if limit is not None and count + len(rows) > limit:
            rows = rows[: limit - count]
        for row in rows:
            sheet.append(_clean(sheet, row, texts, moments))
        count += len(rows)
        progress.add(len(rows))
        if limit is not None and count >= limit:
            break
    return count


def _clean(sheet, row, texts, moments):
    """Drop the control characters a worksheet cannot hold (free text may carry some); typed dates."""
    row = list(row)
    for index in texts:
        if row[index]:
            row[index] = ILLEGAL_CHARACTERS_RE.sub("", row[index])
    for index in moments:
        if row[index] is not None:
            cell = WriteOnlyCell(sheet, value=row[index])
            cell.number_format = DATETIME_FORMAT
            row[index] = cell
    return row


def _write_summary(sheet, selection, params, options):
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 48
    sheet.append([_bold(sheet, _("Export %(platform)s", platform=territory_identity().platform_name))])
    for label, value in options.get("description", []):
        sheet.append([label, value])
    sheet.append(
        [_("Dates et heures"), _("en UTC (temps universel ; heure de Paris = UTC + 1 h, + 2 h en été)")]
    )
    results = {name: fetch_all(query, params) for name, query in sql.summary_statements(selection).items()}
    sheet.append([])
    sheet.append([_bold(sheet, text) for text in (_("Thème"), _("Statut"), _("Contributions"))])
    for label, status, count in results["themes"]:
        sheet.append([label, status, count])
    sheet.append([])
    titles = (
        _("Code QPV"),
        _("Quartier"),
        _("Contributions"),
        _("Votes pour"),
        _("Votes contre"),
        _("Commentaires"),
    )
    sheet.append([_bold(sheet, text) for text in titles])
    for code, name, *numbers in results["qpv"]:
        sheet.append([code or "—", name or _("hors QPV"), *[int(n or 0) for n in numbers]])
    sheet.append([])
    sheet.append([_bold(sheet, _("Suite donnée")), _bold(sheet, _("Contributions"))])
    for outcome, count in results["outcomes"]:
        sheet.append([outcome or _("sans réponse"), count])


def _bold(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = BOLD
    return cell


def _column_letter(index):
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
