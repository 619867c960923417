"""A consultation perimeter given as GeoJSON or as an uploaded file (GeoJSON, zipped Shapefile)."""

import tempfile
from pathlib import Path

import pyogrio.raw
import shapely
import shapely.geometry
from flask_babel import gettext as _
from sqlalchemy import text

from app.errors import Invalid
from app.extensions import db
from app.territory.identity import current_territory
from app.territory.perimeters import _file_srid, _open_source

MAX_UPLOAD = 5 * 1024 * 1024
MAX_LANDMARKS = 50


def _invalid(message):
    return Invalid(message, fields={"perimeter": [message]})


def from_geojson(geometry):
    """EWKT multipolygon of a GeoJSON Polygon/MultiPolygon (WGS84), checked valid and on the territory."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise _invalid(_("Le périmètre doit être un polygone GeoJSON (Polygon ou MultiPolygon)."))
    try:
        shape = shapely.geometry.shape(geometry)
        wkb = shapely.to_wkb(shape)
    except Exception as error:
        raise _invalid(_("Le périmètre GeoJSON est mal formé.")) from error
    row = db.session.execute(
        text(
            "SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason, ST_AsEWKT(ST_Multi(g)) AS ewkt,"
            " EXISTS (SELECT 1 FROM communes c WHERE ST_Intersects(c.geom, g)"
            " AND coalesce(c.territory, :territory) = :territory) AS on_territory"
            " FROM (SELECT ST_SetSRID(ST_GeomFromWKB(:wkb), 4326) AS g) s"
        ),
        {"wkb": wkb, "territory": current_territory()},
    ).one()
    return _checked(row)


def _checked(row):
    if not row.valid:
        raise _invalid(_("Le périmètre n'est pas un polygone valide : %(reason)s.", reason=row.reason))
    if not row.on_territory:
        raise _invalid(
            _(
                "Ce périmètre ne tombe pas sur le territoire : vérifiez le système de coordonnées (WGS84 ou Lambert-93)."
            )
        )
    return row.ewkt


def from_upload(filename, data):
    """EWKT multipolygon (union of every polygon) of an uploaded GeoJSON or zipped Shapefile."""
    if not data:
        raise _invalid(_("Le fichier de périmètre est vide."))
    if len(data) > MAX_UPLOAD:
        raise _invalid(_("Le fichier de périmètre dépasse 5 Mo."))
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".geojson", ".json", ".zip"):
        raise _invalid(_("Envoyez un GeoJSON (.geojson) ou un Shapefile zippé (.zip)."))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"perimetre{suffix}"
        path.write_bytes(data)
        try:
            source = _open_source(path)
            srid = _file_srid(source)
            _meta, _fids, geometries, _fields = pyogrio.raw.read(source)
        except Invalid as error:
            raise _invalid(error.message) from error
        except Exception as error:
            raise _invalid(_("Le fichier n'a pas pu être lu : il est peut-être corrompu.")) from error
    wkbs = [bytes(g) for g in geometries if g is not None]
    if not wkbs:
        raise _invalid(_("Le fichier ne contient aucune géométrie."))
    row = db.session.execute(
        text(
            "SELECT bool_and(GeometryType(g) IN ('POLYGON', 'MULTIPOLYGON')) AS polygons,"
            " ST_IsValid(ST_Union(g)) AS valid, ST_IsValidReason(ST_Union(g)) AS reason,"
            " ST_AsEWKT(ST_Multi(ST_Union(g))) AS ewkt,"
            " EXISTS (SELECT 1 FROM communes c WHERE ST_Intersects(c.geom, ST_Union(g))"
            " AND coalesce(c.territory, :territory) = :territory) AS on_territory"
            " FROM (SELECT ST_Transform(ST_SetSRID(ST_GeomFromWKB(w), :srid), 4326) AS g"
            "       FROM unnest(CAST(:wkbs AS bytea[])) AS w) s"
        ),
        {"wkbs": wkbs, "srid": srid, "territory": current_territory()},
    ).one()
    if not row.polygons:
        raise _invalid(_("Le fichier doit contenir des polygones (pas des points ni des lignes)."))
    if not row.valid:
        raise _invalid(_("Le périmètre n'est pas un polygone valide : %(reason)s.", reason=row.reason))
    return _checked(row)


def check_landmarks(landmarks):
    """[(name, lon, lat)] of « lieux repères » given as {name, lon, lat}; Invalid on a bad one."""
    if len(landmarks or []) > MAX_LANDMARKS:
        raise Invalid(
            fields={"landmarks": [_("%(max_landmarks)s lieux repères au plus.", max_landmarks=MAX_LANDMARKS)]}
        )
    rows = []
    for index, item in enumerate(landmarks or []):
        name = (item.get("name") or "").strip()
        lon, lat = item.get("lon"), item.get("lat")
        if not name or len(name) > 120:
            raise Invalid(fields={f"landmarks.{index}.name": [_("Un nom de 1 à 120 caractères.")]})
        if not all(isinstance(v, int | float) for v in (lon, lat)) or not (
            -180 <= lon <= 180 and -90 <= lat <= 90
        ):
            raise Invalid(
                fields={
                    f"landmarks.{index}.lon": [
                        _("« %(name)s » : longitude et latitude invalides.", name=name)
                    ]
                }
            )
        rows.append((name, float(lon), float(lat)))
    return rows
