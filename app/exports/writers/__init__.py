"""One writer per export format: `write(path, selection, options, progress) -> row count`."""

from app.exports.writers import csv_writer, geojson_writer, gpkg_writer, xlsx_writer

WRITERS = {
    "csv": csv_writer,
    "xlsx": xlsx_writer,
    "geojson": geojson_writer,
    "gpkg": gpkg_writer,
}
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "geojson": "geojson", "gpkg": "gpkg"}
MIMETYPES = {
    "csv": "text/csv",  # Flask adds « ; charset=utf-8 » to text types
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}
