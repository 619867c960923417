"""Import of the official QPV perimeter files (data.gouv.fr GeoJSON, or zipped Lambert-93 Shapefile).

Everything is checked before anything is written; one bad feature rejects the whole file."""

from pathlib import Path

import pyogrio
import pyogrio.raw
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from app.errors import Invalid
from app.extensions import db
from app.territory.services import now_utc

ACCEPTED_CRS = {"EPSG:4326": 4326, "OGC:CRS84": 4326, "EPSG:2154": 2154}
CODE_FIELDS = ("code_qp", "code_quartier", "cod_qp", "c_qp", "code_qpv", "code")
SUPPORTED = _l("un GeoJSON en WGS84 (EPSG:4326) ou un Shapefile zippé en Lambert-93 (EPSG:2154)")


def import_perimeters(path):
    """Attach official perimeters to the QPV whose code appears in the file; returns a summary."""
    path = Path(path)
    source = _open_source(path)
    srid = _file_srid(source)
    meta, features = _read_features(source)
    code_field = _code_field(meta["fields"])
    rows = _matching_rows(features, meta["fields"], code_field)
    with db.session.begin_nested():
        _write_perimeters(rows, srid, path.name)
        _check_on_territory()
        refreshed = refresh_consultation_perimeters()
    return {
        "imported": sorted(code for code, _ in rows),
        "ignored": len(features[0]) - len(rows) if features[0] is not None else 0,
        "consultations_updated": refreshed,
        "srid": srid,
    }


def _open_source(path):
    if not path.exists():
        raise Invalid(f"Fichier introuvable : {path}")
    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        pyogrio.read_info(source)
    except Exception as error:
        # Also the back office's perimeter upload (consultations.perimeter): in the reader's language.
        raise Invalid(
            _(
                "« %(name)s » n'est pas un fichier géographique lisible : fournissez %(supported)s.",
                name=path.name,
                supported=SUPPORTED,
            )
        ) from error
    return source


def _file_srid(source):
    crs = pyogrio.read_info(source).get("crs")
    if crs not in ACCEPTED_CRS:
        raise Invalid(
            _(
                "Système de coordonnées non pris en charge (%(crs)s) : fournissez %(supported)s.",
                crs=crs or _("non déclaré"),
                supported=SUPPORTED,
            )
        )
    return ACCEPTED_CRS[crs]


def _read_features(source):
    try:
        meta, _fids, geometries, field_data = pyogrio.raw.read(source)
    except Exception as error:
        raise Invalid("Le fichier n'a pas pu être lu : il est peut-être corrompu.") from error
    if meta.get("geometry_type") in (None, "Unknown") and len(geometries) == 0:
        raise Invalid("Le fichier ne contient aucune géométrie.")
    meta["fields"] = list(meta["fields"])
    return meta, (geometries, field_data)


def _code_field(fields):
    lowered = {name.lower(): name for name in fields}
    for candidate in CODE_FIELDS:
        if candidate in lowered:
            return lowered[candidate]
    raise Invalid(
        "Aucun champ de code QPV trouvé (attendu : code_qp). Champs présents : " + ", ".join(fields)
    )


def _matching_rows(features, fields, code_field):
    geometries, field_data = features
    codes = field_data[fields.index(code_field)]
    known = {
        code for (code,) in db.session.execute(text("SELECT code FROM qpv UNION SELECT code FROM qpv_2024"))
    }
    rows = []
    for code, wkb in zip(codes, geometries, strict=True):
        code = str(code or "").strip().upper()
        if code in known:
            if wkb is None:
                raise Invalid(f"Le QPV {code} n'a pas de géométrie dans le fichier.")
            rows.append((code, bytes(wkb)))
    if not rows:
        raise Invalid(
            "Aucun code de QPV du territoire dans ce fichier (codes attendus : QP062xxx ou QN062xxM)."
        )
    return rows


def _write_perimeters(rows, srid, source_name):
    for code, wkb in rows:
        checked = db.session.execute(
            text(
                "SELECT GeometryType(g), ST_IsValid(g), ST_IsValidReason(g)"
                " FROM (SELECT ST_SetSRID(ST_GeomFromWKB(:wkb), :srid) AS g) s"
            ),
            {"wkb": wkb, "srid": srid},
        ).one()
        if checked[0] not in ("POLYGON", "MULTIPOLYGON"):
            raise Invalid(f"Le QPV {code} n'est pas un polygone ({checked[0]}).")
        if not checked[1]:
            raise Invalid(f"Géométrie invalide pour le QPV {code} : {checked[2]}.")
        geom_sql = "ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromWKB(:wkb), :srid), 4326))"
        params = {"wkb": wkb, "srid": srid, "code": code, "source": source_name, "at": now_utc()}
        if code.startswith("QN"):
            db.session.execute(
                text(f"UPDATE qpv_2024 SET geom = {geom_sql}, perimeter_source = :source WHERE code = :code"),
                params,
            )
            # A 2024 perimeter also serves its 2015 QPV when that one has none from a 2015 file.
            db.session.execute(
                text(
                    f"UPDATE qpv SET geom = {geom_sql}, perimeter_source = :source || ' (géographie 2024)',"
                    " perimeter_imported_at = :at WHERE code_2024 = :code"
                    " AND (geom IS NULL OR perimeter_source LIKE '%(géographie 2024)')"
                ),
                params,
            )
        else:
            db.session.execute(
                text(
                    f"UPDATE qpv SET geom = {geom_sql}, perimeter_source = :source,"
                    " perimeter_imported_at = :at WHERE code = :code"
                ),
                params,
            )


def _check_on_territory():
    # Catches a file whose coordinates are not in the declared CRS (e.g. Lambert-93 sold as WGS84).
    off = (
        db.session.execute(
            text(
                "SELECT q.code FROM qpv q WHERE q.geom IS NOT NULL AND NOT EXISTS ("
                " SELECT 1 FROM communes c WHERE ST_Intersects(c.geom, q.geom))"
                " UNION SELECT q.code FROM qpv_2024 q WHERE q.geom IS NOT NULL AND NOT EXISTS ("
                " SELECT 1 FROM communes c WHERE ST_DWithin(c.geom, q.geom, 0.05))"
            )
        )
        .scalars()
        .all()
    )
    if off:
        raise Invalid(
            "Ces périmètres ne tombent pas sur le territoire (" + ", ".join(sorted(off)) + ") :"
            " le système de coordonnées déclaré est sans doute faux."
        )


def refresh_consultation_perimeters():
    """Rebuild provisional consultation perimeters once all their QPV have an official one."""
    result = db.session.execute(
        text(
            "UPDATE consultations c SET geom = s.geom, perimeter_provisional = false"
            " FROM (SELECT cq.consultation_id, ST_Multi(ST_Union(q.geom)) AS geom"
            "       FROM consultation_qpvs cq JOIN qpv q ON q.code = cq.qpv_code"
            "       GROUP BY cq.consultation_id HAVING bool_and(q.geom IS NOT NULL)) s"
            " WHERE c.id = s.consultation_id"
        )
    )
    return result.rowcount
