"""The OpenAPI 3.0 document of the OGC API – Features endpoint (paths relative to /ogc)."""

from app.exports.ogc_params import CRS84, DEFAULT_LIMIT, LAMBERT93, MAX_LIMIT

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"


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
    "offset": _param(
        "offset", "Rang de la première contribution.", {"type": "integer", "minimum": 0, "default": 0}
    ),
    "bbox": _param(
        "bbox",
        "Emprise minx,miny,maxx,maxy (CRS84 par défaut, voir bbox-crs).",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    ),
    "bbox-crs": _param("bbox-crs", "Système de l'emprise.", {"type": "string", "enum": [CRS84, LAMBERT93]}),
    "crs": _param("crs", "Système des géométries renvoyées.", {"type": "string", "enum": [CRS84, LAMBERT93]}),
    "datetime": _param(
        "datetime", "Date de dépôt : instant ou intervalle RFC 3339 (a/b, ../b, a/..).", {"type": "string"}
    ),
    "theme": _param("theme", "Thème(s) (slug, séparés par des virgules).", {"type": "string"}),
    "qpv": _param("qpv", "Code(s) QPV (séparés par des virgules).", {"type": "string"}),
}


def _ref(name):
    return {"$ref": f"#/components/parameters/{name}"}


def _get(summary, operation_id, params, media_types):
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "tags": ["OGC API – Features"],
            "parameters": [_ref(name) for name in params],
            "responses": {
                "200": {"description": "OK", "content": {media: {} for media in media_types}},
                "400": {"description": "Paramètre invalide."},
                "401": {"description": "Jeton requis (concertation non publique)."},
                "404": {"description": "Introuvable."},
            },
        }
    }


ITEM_PARAMS = ["collectionId", "f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "theme", "qpv"]


def _paths():
    return {
        "/": _get("Page d'accueil", "getLandingPage", ["f"], [JSON, HTML]),
        "/conformance": _get("Classes de conformité", "getConformance", ["f"], [JSON, HTML]),
        "/api": _get("Ce document", "getApi", ["f"], ["application/vnd.oai.openapi+json;version=3.0", HTML]),
        "/collections": _get("Concertations", "getCollections", ["f"], [JSON, HTML]),
        "/collections/{collectionId}": _get(
            "Une concertation", "describeCollection", ["collectionId", "f"], [JSON, HTML]
        ),
        "/collections/{collectionId}/items": _get(
            "Contributions publiées", "getFeatures", ITEM_PARAMS, [GEOJSON, HTML]
        ),
        "/collections/{collectionId}/items/{featureId}": _get(
            "Une contribution", "getFeature", ["collectionId", "featureId", "f", "crs"], [GEOJSON, HTML]
        ),
    }


def openapi_document(server_url):
    """The OpenAPI document, with `server_url` (…/ogc) as its only server."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Carte Commune — OGC API – Features",
            "version": "1.0.0",
            "description": "Contributions publiées des concertations, lisibles dans QGIS "
            "(connexion « OGC API – Features »). Concertations non publiques : jeton personnel "
            "d'urbaniste en en-tête Authorization: Bearer.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "parameters": PARAMETERS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"bearer": []}],
        "paths": _paths(),
    }
