"""CSV: UTF-8 with BOM, `;` (French spreadsheets, decimal comma) or `,`, streamed by COPY."""

from app.exports import sql
from app.exports.stream import copy_out

BOM = b"\xef\xbb\xbf"


def total_rows(selection, counts):
    return counts["contributions"]


def write(path, selection, options, progress):
    """Write the contributions to `path` with PostgreSQL's COPY; returns the row count."""
    separator = options.get("separator", ";")
    columns = sql.contribution_columns(selection, "csv", decimal_comma=separator == ";")
    query = sql.select_contributions(selection, columns)
    delimiter = "';'" if separator == ";" else "','"
    statement = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER {delimiter})"
    with open(path, "wb", buffering=1024 * 1024) as out:
        out.write(BOM)
        header = {"seen": False}

        def on_row():
            if header["seen"]:
                progress.add()
            header["seen"] = True

        return copy_out(statement, sql.base_params(selection), out.write, on_row)
