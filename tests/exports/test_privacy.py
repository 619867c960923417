"""Personal data never leaves: no e-mail in any export, pseudonyms only when the consultation allows."""

import re
import sqlite3
import zipfile

import openpyxl
import pytest

from tests.exports.conftest import SEED_EMAILS

EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def text_of(path):
    """Every byte a reader could see: XLSX members unzipped, GeoPackage rows dumped, others raw."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            raw = b"\n".join(archive.read(name) for name in archive.namelist())
        workbook = openpyxl.load_workbook(path, read_only=True)
        cells = [str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row]
        return raw + "\n".join(cells).encode()
    if path.suffix == ".gpkg":
        connection = sqlite3.connect(path)
        dump = "\n".join(connection.iterdump())
        connection.close()
        return path.read_bytes() + dump.encode()
    return path.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "gpkg"])
def test_no_email_leaves_in_any_format(export_data, export_file, fmt):
    path, _ = export_file(
        export_data["urbanist"],
        format=fmt,
        consultations=["cite-12-14", "vent-de-bise"],
        statuses=["published", "pending", "rejected", "hidden"],
    )
    content = text_of(path)
    for email in SEED_EMAILS:
        assert email.encode() not in content
    assert not EMAIL.search(content), EMAIL.search(content)
    assert "[adresse masquée]".encode() in content  # the address typed in a body and a comment
    assert b"Huguette" not in content  # the workshop participant's first name
    assert b"MarieDuQuartier" in content  # pseudonym allowed by the « vent-de-bise » consultation


def _authors(rows, consultation):
    return {row["auteur"] for row in rows if row["concertation"] == consultation and row["auteur"]}


def test_anonymous_ids_are_stable_and_pseudonyms_opt_in(export_data, export_file):
    from tests.exports.test_formats import read_csv

    first, _ = export_file(
        export_data["urbanist"], format="csv", consultations=["cite-12-14", "vent-de-bise"]
    )
    second, _ = export_file(export_data["urbanist"], format="csv", consultations=["cite-12-14"])
    rows, again = read_csv(first, ";"), read_csv(second, ";")
    anonymous = _authors(rows, "cite-12-14")
    assert len(anonymous) == 2 and all(re.fullmatch(r"anon-[0-9a-f]{12}", a) for a in anonymous)
    assert _authors(again, "cite-12-14") == anonymous  # same ids from one export to the next
    by_id = {int(row["id"]): row["auteur"] for row in rows}
    assert by_id[export_data["published"][1].id] == by_id[export_data["injected"].id]  # both by Marie
    assert _authors(rows, "vent-de-bise") == {"MarieDuQuartier"}  # export_pseudonyms is on there
    raw = first.read_bytes()
    assert b"MarieDuQuartier" in raw and b"Karim62" not in raw  # Karim only posted where ids are anonymous
