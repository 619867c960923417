"""OGC API – Features (read-only, published contributions) under /ogc, in JSON and HTML.

Collections are consultations; public ones (`data_public`) are readable without a token, the others
need an urbanist's or admin's personal token (Authorization: Bearer …) or session."""

import json

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user

from app.errors import Forbidden, NotFound, Unauthorized, render_error
from app.exports import ogc_queries
from app.exports.ogc_html import collection_map, items_map
from app.exports.ogc_openapi import openapi_document
from app.exports.ogc_params import (
    CRS84,
    LAMBERT93,
    SRID_URIS,
    BadRequest,
    check_known,
    parse_crs,
    parse_item_query,
)
from app.territory.identity import territory_identity

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
UNAUTHORIZED = "Cette concertation n'est pas publique : utilisez un jeton personnel d'urbaniste (Authorization: Bearer …)."


@bp.after_request
def _open_to_other_sites(response):
    # Anonymous cross-site reads only: no credentials are allowed with a wildcard origin.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Vary", "Accept")
    return response


@bp.errorhandler(Unauthorized)
def _unauthorized(error):
    body, status, _ = render_error(401, error.code, error.message, error.fields)
    return body, status, {"WWW-Authenticate": 'Bearer realm="Carte Commune"'}


def wants_html():
    """HTML when asked by `f=html` or preferred by the Accept header (browsers), else JSON."""
    fmt = request.args.get("f")
    if fmt:
        if fmt not in ("json", "geojson", "html"):
            raise BadRequest("Paramètre « f » invalide : json ou html.", fields={"f": ["json ou html"]})
        return fmt == "html"
    best = request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON)
    return best == HTML


def link(href, rel, media_type, title):
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def _url(endpoint, fmt=None, **values):
    if fmt:
        values["f"] = fmt
    return url_for(endpoint, _external=True, **values)


def _json(data, mimetype=JSON, headers=None):
    return Response(json.dumps(data, ensure_ascii=False, default=str), mimetype=mimetype, headers=headers)


def _self_links(endpoint, json_type=JSON, **values):
    return [
        link(_url(endpoint, "json", **values), "self", json_type, "Ce document en JSON"),
        link(_url(endpoint, "html", **values), "alternate", HTML, "Ce document en HTML"),
    ]


def private_reader():
    return current_user.is_authenticated and current_user.has_role("urbanist")


@bp.get("/")  # OWSLib and some users add the slash
@bp.get("")  # registered first: url_for gives /ogc
def landing():
    check_known(request.args, {"f"})
    links = _self_links("ogc.landing") + [
        link(_url("ogc.api"), "service-desc", OPENAPI, "Définition de l'API (OpenAPI 3.0)"),
        link(_url("ogc.api", "html"), "service-doc", HTML, "Documentation de l'API"),
        link(_url("ogc.conformance"), "conformance", JSON, "Classes de conformité"),
        link(
            _url("ogc.conformance"), "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON, "Conformité"
        ),
        link(_url("ogc.collections"), "data", JSON, "Concertations (collections)"),
        link(_url("ogc.collections"), "http://www.opengis.net/def/rel/ogc/1.0/data", JSON, "Collections"),
    ]
    data = {
        "title": "Carte Commune — contributions des concertations (OGC API – Features)",
        "description": "Contributions publiées des concertations du renouvellement urbain "
        f"({territory_identity().name}), à ouvrir dans QGIS.",
        "links": links,
    }
    if wants_html():
        return render_template("exports/ogc/landing.html", data=data)
    return _json(data)


@bp.get("/conformance")
def conformance():
    check_known(request.args, {"f"})
    data = {"conformsTo": CONFORMANCE, "links": _self_links("ogc.conformance")}
    if wants_html():
        return render_template("exports/ogc/conformance.html", data=data)
    return _json(data)


@bp.get("/api")
def api():
    check_known(request.args, {"f"})
    document = openapi_document(_url("ogc.landing").rstrip("/"))
    if wants_html():
        return render_template("exports/ogc/api.html", document=document)
    return _json(document, OPENAPI)


def collection_json(row):
    """The OGC description of one consultation (collection), with its extent and links."""
    bbox = [round(value, 6) for value in (row.minx, row.miny, row.maxx, row.maxy)]
    return {
        "id": row.slug,
        "title": row.title,
        "description": row.summary,
        "itemType": "feature",
        "crs": [CRS84, LAMBERT93],
        "storageCrs": CRS84,
        "extent": {
            "spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {"interval": [[row.opens_at.isoformat(), row.closes_at.isoformat()]], "trs": TRS},
        },
        "links": [
            link(_url("ogc.collection", "json", collection_id=row.slug), "self", JSON, row.title),
            link(_url("ogc.collection", "html", collection_id=row.slug), "alternate", HTML, row.title),
            link(_url("ogc.items", collection_id=row.slug), "items", GEOJSON, "Contributions (GeoJSON)"),
            link(_url("ogc.items", "html", collection_id=row.slug), "items", HTML, "Contributions (HTML)"),
        ],
    }


@bp.get("/collections")
def collections():
    check_known(request.args, {"f"})
    rows = ogc_queries.list_collections(private_reader())
    data = {
        "links": _self_links("ogc.collections"),
        "collections": [collection_json(row) for row in rows],
        "crs": [CRS84, LAMBERT93],
    }
    if wants_html():
        return render_template("exports/ogc/collections.html", data=data)
    return _json(data)


def readable_collection(slug):
    """The consultation row if the caller may read it: 404 unknown, 401 anonymous, 403 other roles."""
    row = ogc_queries.get_collection(slug)
    private = private_reader()
    if row is None or not (row.is_published or private):
        raise NotFound("Cette collection n'existe pas.")
    if not row.data_public and not private:
        if not current_user.is_authenticated:
            raise Unauthorized(UNAUTHORIZED)
        raise Forbidden("Les données de cette concertation sont réservées aux urbanistes.")
    return row


@bp.get("/collections/<collection_id>")
def collection(collection_id):
    check_known(request.args, {"f"})
    row = readable_collection(collection_id)
    data = collection_json(row)
    if wants_html():
        return render_template("exports/ogc/collection.html", data=data, map_parts=collection_map(row))
    return _json(data)


def _page_links(collection_id, query, matched, returned):
    args = {
        key: value for key, value in request.args.to_dict(flat=False).items() if key not in ("f", "offset")
    }
    links = [
        link(
            _url("ogc.items", collection_id=collection_id, **args, offset=query.offset),
            "self",
            GEOJSON,
            "Cette page",
        ),
        link(
            _url("ogc.items", "html", collection_id=collection_id, **args, offset=query.offset),
            "alternate",
            HTML,
            "Cette page en HTML",
        ),
        link(_url("ogc.collection", collection_id=collection_id), "collection", JSON, "La concertation"),
    ]
    if query.offset + returned < matched:
        offset = query.offset + returned
        href = _url("ogc.items", collection_id=collection_id, **args, offset=offset)
        links.append(link(href, "next", GEOJSON, "Page suivante"))
    if query.offset > 0:
        href = _url(
            "ogc.items", collection_id=collection_id, **args, offset=max(0, query.offset - query.limit)
        )
        links.append(link(href, "prev", GEOJSON, "Page précédente"))
    return links


@bp.get("/collections/<collection_id>/items")
def items(collection_id):
    query = parse_item_query(request.args)
    html = wants_html()
    row = readable_collection(collection_id)
    matched, features = ogc_queries.item_page(row.id, query)
    returned = max(0, min(query.limit, matched - query.offset))
    links = _page_links(collection_id, query, matched, returned)
    if html:
        features = json.loads(features)
        return render_template(
            "exports/ogc/items.html",
            collection=collection_json(row),
            features=features,
            links=links,
            matched=matched,
            query=query,
            map_parts=items_map(row, features) if query.srid == 4326 else None,
        )
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": _now(),
        "links": links,
    }
    body = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ' + features + "}"
    return Response(body, mimetype=GEOJSON, headers={"Content-Crs": f"<{SRID_URIS[query.srid]}>"})


@bp.get("/collections/<collection_id>/items/<int:feature_id>")
def item(collection_id, feature_id):
    check_known(request.args, {"f", "crs"})
    srid = parse_crs(request.args.get("crs"))
    html = wants_html()
    row = readable_collection(collection_id)
    text = ogc_queries.item(row.id, feature_id, srid)
    if text is None:
        raise NotFound("Cette contribution n'existe pas ou n'est pas publiée.")
    feature = json.loads(text)
    feature["links"] = [
        link(
            _url("ogc.item", collection_id=collection_id, feature_id=feature_id),
            "self",
            GEOJSON,
            "Cette contribution",
        ),
        link(
            _url("ogc.item", "html", collection_id=collection_id, feature_id=feature_id),
            "alternate",
            HTML,
            "En HTML",
        ),
        link(_url("ogc.collection", collection_id=collection_id), "collection", JSON, row.title),
    ]
    if html:
        return render_template("exports/ogc/item.html", feature=feature, collection=collection_json(row))
    return _json(feature, GEOJSON, headers={"Content-Crs": f"<{SRID_URIS[srid]}>"})


def _now():
    from app.consultations.models import utcnow

    return utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
