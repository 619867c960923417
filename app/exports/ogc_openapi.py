"""The OpenAPI 3.0 document of the OGC API – Features endpoint (paths relative to /ogc)."""

from app.exports.ogc_cql import LANGUAGES
from app.exports.ogc_params import CRS84, DEFAULT_LIMIT, LAMBERT93, MAX_LIMIT
from app.territory.identity import territory_identity

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
FEATURES_3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    FEATURES_3 + "queryables",
    FEATURES_3 + "filter",
    FEATURES_3 + "features-filter",
    CQL2 + "cql2-text",
    CQL2 + "cql2-json",
    CQL2 + "basic-cql2",
    CQL2 + "advanced-comparison-operators",
    CQL2 + "case-insensitive-comparison",
    CQL2 + "basic-spatial-functions",
    CQL2 + "basic-spatial-functions-plus",
]


def _param(name, description, schema, location="query", required=False, **extra):
    return {
        "name": name,
        "in": location,
        "required": required,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": False,
        **extra,
    }


PARAMETERS = {
    "f": _param("f", "Format de la réponse.", {"type": "string", "enum": ["json", "html"]}),
    "collectionId": _param(
        "collectionId", "Identifiant (slug) de la concertation.", {"type": "string"}, "path", True
    ),
    "featureId": _param("featureId", "Identifiant de la contribution.", {"type": "integer"}, "path", True),
    "limit": _param(
        "limit",
        "Nombre maximal de contributions renvoyées.",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    ),
    "after": _param(
        "after",
        "Pagination : identifiant de la dernière contribution de la page précédente (lien « next »).",
        {"type": "integer", "minimum": 0},
    ),
    "filter": _param(
        "filter",
        "Filtre CQL2 (OGC API – Features, partie 3) sur les propriétés filtrables (/queryables) :"
        " comparaisons, AND/OR/NOT, BETWEEN, LIKE, IN, IS NULL, S_INTERSECTS. Dates sans heure :"
        " minuit UTC.",
        {"type": "string"},
    ),
    "filter-lang": _param(
        "filter-lang",
        "Langage du filtre (cql-text : ancien nom de cql2-text, envoyé par GDAL 3.6).",
        {"type": "string", "enum": list(LANGUAGES), "default": "cql2-text"},
    ),
    "filter-crs": _param(
        "filter-crs", "Système des géométries du filtre.", {"type": "string", "enum": [CRS84, LAMBERT93]}
    ),
    "bbox": _param(
        "bbox",
        "Emprise minx,miny,maxx,maxy (CRS84 par défaut, voir bbox-crs).",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    ),
    "bbox-crs": _param("bbox-crs", "Système de l'emprise.", {"type": "string", "enum": [CRS84, LAMBERT93]}),
    "crs": _param("crs", "Système des géométries renvoyées.", {"type": "string", "enum": [CRS84, LAMBERT93]}),
    "datetime": _param(
        "datetime",
        "Date de dépôt (propriété cree_le, UTC) : instant ou intervalle RFC 3339 (a/b, ../b, a/..);"
        " une date seule couvre le jour UTC entier.",
        {"type": "string"},
    ),
    "theme": _param("theme", "Thème(s) (slug, séparés par des virgules).", {"type": "string"}),
    "qpv": _param("qpv", "Code(s) QPV (séparés par des virgules).", {"type": "string"}),
}


def _ref(name):
    return {"$ref": f"#/components/parameters/{name}"}


ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object"},
            },
        }
    },
}
LINK = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {n: {"type": "string"} for n in ("href", "rel", "type", "title")},
}
LINKS = {"type": "array", "items": {"$ref": "#/components/schemas/link"}}
SCHEMAS = {
    "error": ERROR,
    "link": LINK,
    "landingPage": {
        "type": "object",
        "required": ["links"],
        "properties": {"title": {"type": "string"}, "links": LINKS},
    },
    "confClasses": {
        "type": "object",
        "required": ["conformsTo"],
        "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}, "links": LINKS},
    },
    "collection": {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "itemType": {"type": "string"},
            "crs": {"type": "array", "items": {"type": "string"}},
            "extent": {"type": "object"},
            "links": LINKS,
        },
    },
    "collections": {
        "type": "object",
        "required": ["collections", "links"],
        "properties": {
            "collections": {"type": "array", "items": {"$ref": "#/components/schemas/collection"}},
            "links": LINKS,
        },
    },
    "feature": {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": {"type": "object"},
            "properties": {"type": "object"},
            "links": LINKS,
        },
    },
    "featureCollection": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/feature"}},
            "links": LINKS,
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    },
    "jsonSchema": {"type": "object"},
    "openapi": {"type": "object"},
}


def _content(media_types, schema):
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {
        media: ({"schema": ref} if media != HTML else {"schema": {"type": "string"}}) for media in media_types
    }


def _error(description):
    return {"description": description, "content": {JSON: {"schema": {"$ref": "#/components/schemas/error"}}}}


def _get(summary, operation_id, params, media_types, schema, private=False):
    responses = {
        "200": {"description": "OK", "content": _content(media_types, schema)},
        "400": _error("Paramètre invalide."),
        "404": _error("Introuvable."),
    }
    if private:
        responses["401"] = _error("Jeton requis (concertation non publique).")
        responses["403"] = _error("Jeton d'un compte qui n'est ni urbaniste ni administrateur.")
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "tags": ["OGC API – Features"],
            "parameters": [_ref(name) for name in params],
            "responses": responses,
        }
    }


ITEM_PARAMS = [
    "collectionId",
    "f",
    "limit",
    "after",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "theme",
    "qpv",
    "filter",
    "filter-lang",
    "filter-crs",
]


def _paths():
    one = ["collectionId", "f"]
    return {
        "/": _get("Page d'accueil", "getLandingPage", ["f"], [JSON, HTML], "landingPage"),
        "/conformance": _get("Classes de conformité", "getConformance", ["f"], [JSON, HTML], "confClasses"),
        "/api": _get("Ce document", "getApi", ["f"], [OPENAPI, HTML], "openapi"),
        "/collections": _get("Collections", "getCollections", ["f"], [JSON, HTML], "collections"),
        "/collections/{collectionId}": _get(
            "Une collection", "describeCollection", one, [JSON, HTML], "collection", True
        ),
        "/collections/{collectionId}/queryables": _get(
            "Propriétés filtrables", "getQueryables", one, [SCHEMA_JSON], "jsonSchema", True
        ),
        "/collections/{collectionId}/schema": _get(
            "Schéma des contributions", "getSchema", one, [SCHEMA_JSON], "jsonSchema", True
        ),
        "/collections/{collectionId}/items": _get(
            "Contributions publiées", "getFeatures", ITEM_PARAMS, [GEOJSON, HTML], "featureCollection", True
        ),
        "/collections/{collectionId}/items/{featureId}": _get(
            "Une contribution",
            "getFeature",
            ["collectionId", "featureId", "f", "crs"],
            [GEOJSON, HTML],
            "feature",
            True,
        ),
    }


def openapi_document(server_url):
    """The OpenAPI document, with `server_url` (…/ogc) as its only server."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{territory_identity().platform_name} — OGC API – Features",
            "version": "1.0.0",
            "description": "Contributions publiées des concertations, lisibles dans QGIS "
            "(connexion « OGC API – Features »), une collection par type de géométrie. Concertations "
            "non publiques : jeton personnel d'urbaniste, en authentification de base (n'importe quel "
            "identifiant, le jeton comme mot de passe) ou en en-tête Authorization: Bearer. Dates et "
            "heures en UTC.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "parameters": PARAMETERS,
            "schemas": SCHEMAS,
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{}, {"basic": []}, {"bearer": []}],
        "paths": _paths(),
    }
