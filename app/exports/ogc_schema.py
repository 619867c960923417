"""Collections by geometry kind, and the JSON Schemas of their features and queryables (pure)."""

from dataclasses import dataclass

from app.exports import sql
from app.exports.ogc_cql import QUERYABLES

SCHEMA = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class Kind:
    suffix: str  # of the collection id: <slug>-points
    dimension: int  # ST_Dimension of the geometries
    consultation_kind: str  # in consultations.geometry_kinds
    geometry_type: str  # GeoJSON
    label: str


KINDS = (
    Kind("points", 0, "point", "Point", "points"),
    Kind("lignes", 1, "line", "LineString", "tracés"),
    Kind("zones", 2, "polygon", "Polygon", "zones"),
)
BY_SUFFIX = {kind.suffix: kind for kind in KINDS}
INTEGERS = sql.INTEGER_COLUMNS
DATETIMES = sql.DATETIME_COLUMNS
PROPERTIES = (
    ("id", "Identifiant"),
    ("concertation", "Concertation (slug)"),
    ("qpv_code", "Code du quartier prioritaire"),
    ("qpv_nom", "Quartier prioritaire"),
    ("commune_insee", "Code INSEE de la commune"),
    ("commune", "Commune"),
    ("theme", "Thème (slug)"),
    ("theme_libelle", "Thème"),
    ("statut", "Statut"),
    ("suite_donnee", "Suite donnée"),
    ("titre", "Titre"),
    ("description", "Description"),
    ("reponse_officielle", "Réponse officielle"),
    ("votes_pour", "Votes pour"),
    ("votes_contre", "Votes contre"),
    ("soutiens", "Soutiens"),
    ("atelier_pour", "Votes pour en atelier"),
    ("atelier_contre", "Votes contre en atelier"),
    ("commentaires", "Commentaires publiés"),
    ("source", "Origine (web, atelier, borne)"),
    ("auteur", "Auteur (pseudonyme ou identifiant anonyme)"),
    ("cree_le", "Déposée le (UTC)"),
    ("publie_le", "Publiée le (UTC)"),
    ("photos", "Liens des photos"),
    ("url", "Page de la contribution"),
)


def split_collection_id(collection_id):
    """(consultation slug, Kind) of `<slug>-points|lignes|zones`, or None."""
    slug, _, suffix = collection_id.rpartition("-")
    kind = BY_SUFFIX.get(suffix)
    return (slug, kind) if slug and kind else None


def kinds_of(geometry_kinds):
    """The collections' kinds of a consultation (the geometry kinds it accepts, points at least)."""
    accepted = set(geometry_kinds or ()) | {"point"}
    return [kind for kind in KINDS if kind.consultation_kind in accepted]


def _type(name):
    if name in INTEGERS:
        return {"type": "integer"}
    if name in DATETIMES:
        return {"type": "string", "format": "date-time"}
    if name in ("url", "photos"):
        return {"type": "string", "format": "uri"} if name == "url" else {"type": "string"}
    return {"type": "string"}


def _geometry(kind):
    return {
        "title": "Géométrie",
        "format": f"geometry-{kind.geometry_type.lower()}",
        "x-ogc-role": "primary-geometry",
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": [kind.geometry_type]},
            "coordinates": {"type": "array"},
        },
    }


def feature_schema(url, title, kind):
    """JSON Schema of a GeoJSON Feature of the collection: every property typed, always present."""
    properties = {}
    for name, label in PROPERTIES:
        properties[name] = {"title": label, **_type(name)}
        if name == "cree_le":
            properties[name]["x-ogc-role"] = "primary-instant"
    return {
        "$schema": SCHEMA,
        "$id": url,
        "title": title,
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer", "x-ogc-role": "id"},
            "geometry": _geometry(kind),
            "properties": {
                "type": "object",
                "required": [n for n, _ in PROPERTIES],
                "properties": properties,
            },
        },
    }


def queryables(url, title, kind):
    """Part 3 queryables (a JSON Schema), plus the draft's `queryables` list GDAL ≤ 3.8 reads."""
    properties = {}
    for name, queryable in QUERYABLES.items():
        if queryable.kind == "geometry":
            properties[name] = _geometry(kind)
            continue
        entry = {"title": queryable.title, **_type(name)}
        if name == "cree_le":
            entry["x-ogc-role"] = "primary-instant"
        properties[name] = entry
    return {
        "$schema": SCHEMA,
        "$id": url,
        "title": title,
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "queryables": [{"id": name, "title": q.title} for name, q in QUERYABLES.items()],
    }
