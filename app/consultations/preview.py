"""The perimeter a consultation would get, previewed before saving: same checks, union and buffer, no write.

Every way of choosing it goes through the functions a save uses: a set of QPV (`perimeter_for_qpvs`),
an uploaded GeoJSON or zipped Shapefile (`perimeter.from_upload`), a polygon drawn on the map
(`perimeter.from_geojson`); a bad choice raises the same French messages."""

from flask_babel import gettext as _
from sqlalchemy import text

from app.consultations import editing
from app.consultations import perimeter as perimeters
from app.consultations.staff import leads_any
from app.errors import Forbidden, Invalid
from app.extensions import db

_GEOJSON_SQL = text(
    "SELECT ST_AsGeoJSON(g, 6)::json AS perimeter,"
    " ST_AsGeoJSON(ST_Buffer(g::geography, :buffer)::geometry, 6)::json AS buffer,"
    " round((ST_Area(g::geography) / 10000)::numeric, 1) AS area_ha,"
    " ST_YMin(e) AS s, ST_XMin(e) AS w, ST_YMax(e) AS n, ST_XMax(e) AS east"
    " FROM (SELECT g, ST_Envelope(ST_Buffer(g::geography, :buffer)::geometry) AS e"
    "       FROM (SELECT ST_GeomFromEWKT(:ewkt) AS g) s) t"
)


def _buffer(data):
    value = data.get("buffer_m", 300)
    fields = editing._check_simple({"buffer_m": value})
    if "buffer_m" in fields:
        raise Invalid(fields["buffer_m"][0], fields={"buffer_m": fields["buffer_m"]})
    return value


def _perimeter(data):
    """(EWKT, source, provisional) chosen like a save does: file, else drawing, else the QPV."""
    if data.get("perimeter_ewkt"):
        return data["perimeter_ewkt"], "file", False
    if data.get("perimeter"):
        return perimeters.from_geojson(data["perimeter"]), "drawn", False
    codes = data.get("qpv_codes") or []
    if not codes:
        message = _("Choisissez au moins un quartier, envoyez un fichier ou dessinez le périmètre.")
        raise Invalid(message, fields={"qpv_codes": [message]})
    fields = {}
    qpvs = editing._qpvs(codes, fields)
    if fields:
        raise Invalid(editing._first(fields), fields=fields)
    from app.consultations.services import perimeter_for_qpvs

    geom, provisional = perimeter_for_qpvs([q.code for q in qpvs])
    return geom, "qpv", provisional


def preview_perimeter(actor, data):
    """GeoJSON of the perimeter and of its buffer that `data` would give, with its area; writes nothing."""
    if not leads_any(actor):
        raise Forbidden(_("Seuls les administrateurs et les chefs de projet préparent une concertation."))
    buffer_m = _buffer(data)
    ewkt, source, provisional = _perimeter(data)
    row = db.session.execute(_GEOJSON_SQL, {"ewkt": ewkt, "buffer": buffer_m}).one()
    labels = {
        "qpv": _("périmètre provisoire (communes des quartiers)") if provisional else _("quartiers choisis"),
        "file": _("fichier envoyé"),
        "drawn": _("tracé sur la carte"),
    }
    summary = _(
        "Aperçu (%(source)s) : %(area)s ha, marge de %(buffer)d m. Rien n'est enregistré tant que vous "
        "n'avez pas cliqué sur « Enregistrer ».",
        source=labels[source],
        area=f"{row.area_ha:n}".replace(".", ","),
        buffer=buffer_m,
    )
    return {
        "perimeter": row.perimeter,
        "buffer": row.buffer,
        "area_ha": float(row.area_ha),
        "buffer_m": buffer_m,
        "source": source,
        "provisional": provisional,
        "bounds": [[row.s, row.w], [row.n, row.east]],
        "summary": summary,
    }
