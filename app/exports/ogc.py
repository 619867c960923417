"""OGC API – Features (read-only, published contributions) under /ogc, in JSON and HTML.

Collections are consultations by geometry kind (`<slug>-points`, `-lignes`, `-zones`: one geometry type
each); public ones (`data_public`) are readable without a token, the others need an urbanist's or
admin's personal token (Authorization: Bearer, or HTTP Basic with the token as password) or session.
Pages follow keyset `next` links; `numberMatched` is given only when it costs nothing."""

import json
from datetime import UTC
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.consultations.staff import may, refused_message, scope_ids
from app.errors import Forbidden, NotFound, Unauthorized, render_error
from app.exports import ogc_queries
from app.exports.ogc_html import collection_map, items_map
from app.exports.ogc_openapi import CONFORMANCE, openapi_document
from app.exports.ogc_params import (
    CRS84,
    LAMBERT93,
    SRID_URIS,
    BadRequest,
    check_known,
    parse_crs,
    parse_item_query,
)
from app.exports.ogc_schema import feature_schema, kinds_of, queryables, split_collection_id
from app.territory.identity import territory_identity

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
SCHEMA_JSON = "application/schema+json"
UNAUTHORIZED = _l(
    "Cette concertation n'est pas publique : utilisez un jeton personnel d'urbaniste (authentification"
    " de base avec le jeton comme mot de passe, ou en-tête Authorization: Bearer …)."
)


@bp.after_request
def _open_to_other_sites(response):
    # Anonymous cross-site reads only: no credentials are allowed with a wildcard origin.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Vary", "Accept")
    return response


@bp.errorhandler(Unauthorized)
def _unauthorized(error):
    body, status, _ = render_error(401, error.code, error.message, error.fields)
    realm = territory_identity().platform_name.replace('"', "'")
    return body, status, {"WWW-Authenticate": f'Basic realm="{realm}", Bearer realm="{realm}"'}


def wants_html():
    """HTML when asked by `f=html` or preferred by the Accept header (browsers), else JSON."""
    fmt = request.args.get("f")
    if fmt:
        if fmt not in ("json", "geojson", "html"):
            raise BadRequest(_("Paramètre « f » invalide : json ou html."), fields={"f": [_("json ou html")]})
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
        link(_url(endpoint, "json", **values), "self", json_type, _("Ce document en JSON")),
        link(_url(endpoint, "html", **values), "alternate", HTML, _("Ce document en HTML")),
    ]


def private_scope():
    """The consultations whose non-public data the caller reads: None for all (platform-wide urbanists,
    admins), else the ids of their assignments (empty for everybody else)."""
    return scope_ids(current_user, "read_data")


def reads_private(consultation_id):
    """True when the caller may read this consultation's non-public data (and its drafts)."""
    return may(current_user, "read_data", consultation_id)


@bp.get("/")  # OWSLib and some users add the slash
@bp.get("")  # registered first: url_for gives /ogc
def landing():
    check_known(request.args, {"f"})
    links = _self_links("ogc.landing") + [
        link(_url("ogc.api"), "service-desc", OPENAPI, _("Définition de l'API (OpenAPI 3.0)")),
        link(_url("ogc.api", "html"), "service-doc", HTML, _("Documentation de l'API")),
        link(_url("ogc.conformance"), "conformance", JSON, _("Classes de conformité")),
        link(
            _url("ogc.conformance"),
            "http://www.opengis.net/def/rel/ogc/1.0/conformance",
            JSON,
            _("Conformité"),
        ),
        link(_url("ogc.collections"), "data", JSON, _("Concertations (collections)")),
        link(_url("ogc.collections"), "http://www.opengis.net/def/rel/ogc/1.0/data", JSON, _("Collections")),
    ]
    data = {
        "title": _(
            "%(platform)s — contributions des concertations (OGC API – Features)",
            platform=territory_identity().platform_name,
        ),
        "description": _(
            "Contributions publiées des concertations du renouvellement urbain (%(name)s), à ouvrir "
            "dans QGIS.",
            name=territory_identity().name,
        ),
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


def collection_json(row, kind):
    """The OGC description of one collection (a consultation's features of one geometry kind)."""
    bbox = [round(value, 6) for value in (row.minx, row.miny, row.maxx, row.maxy)]
    cid = f"{row.slug}-{kind.suffix}"
    title = f"{row.title} — {kind.label}"
    return {
        "id": cid,
        "title": title,
        "description": row.summary,
        "itemType": "feature",
        "geometryType": kind.geometry_type,
        "crs": [CRS84, LAMBERT93],
        "storageCrs": CRS84,
        "extent": {
            "spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {"interval": [[_utc(row.opens_at), _utc(row.closes_at)]], "trs": TRS},
        },
        # `datetime=` filters the creation date, as the extent's temporal property (UTC).
        "temporalProperty": "cree_le",
        "links": [
            link(_url("ogc.collection", "json", collection_id=cid), "self", JSON, title),
            link(_url("ogc.collection", "html", collection_id=cid), "alternate", HTML, title),
            link(_url("ogc.items", collection_id=cid), "items", GEOJSON, _("Contributions (GeoJSON)")),
            link(_url("ogc.items", "html", collection_id=cid), "items", HTML, _("Contributions (HTML)")),
            link(_url("ogc.schema", collection_id=cid), "describedby", SCHEMA_JSON, _("Schéma")),
            # GDAL ≤ 3.6 (QGIS 3.22) compares the relation case-sensitively with « describedBy ».
            link(_url("ogc.schema", collection_id=cid), "describedBy", SCHEMA_JSON, _("Schéma (GDAL 3.6)")),
            link(
                _url("ogc.queryables", collection_id=cid),
                QUERYABLES_REL,
                SCHEMA_JSON,
                _("Propriétés filtrables"),
            ),
            link(_url("ogc.queryables", collection_id=cid), "queryables", JSON, _("Propriétés filtrables")),
        ],
    }


QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def _utc(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@bp.get("/collections")
def collections():
    check_known(request.args, {"f"})
    rows = ogc_queries.list_collections(private_scope())
    data = {
        "links": _self_links("ogc.collections"),
        "collections": [collection_json(row, kind) for row in rows for kind in kinds_of(row.geometry_kinds)],
        "crs": [CRS84, LAMBERT93],
    }
    if wants_html():
        return render_template("exports/ogc/collections.html", data=data)
    return _json(data)


def readable_collection(collection_id, extent=True):
    """(consultation row, Kind) if the caller may read it: 404 unknown, 401 anonymous, 403 other roles.
    Without `extent`, the row has no extent (cheaper: a JSON page of items does not show it)."""
    parts = split_collection_id(collection_id)
    row = ogc_queries.get_collection(parts[0], extent) if parts else None
    private = row is not None and reads_private(row.id)
    if row is None or not (row.is_published or private) or parts[1] not in kinds_of(row.geometry_kinds):
        raise NotFound(_("Cette collection n'existe pas."))
    if not row.data_public and not private:
        if not current_user.is_authenticated:
            raise Unauthorized(UNAUTHORIZED)
        raise Forbidden(refused_message("read_data"))
    return row, parts[1]


@bp.get("/collections/<collection_id>")
def collection(collection_id):
    check_known(request.args, {"f"})
    row, kind = readable_collection(collection_id)
    data = collection_json(row, kind)
    if wants_html():
        return render_template("exports/ogc/collection.html", data=data, map_parts=collection_map(row))
    return _json(data)


@bp.get("/collections/<collection_id>/queryables", endpoint="queryables")
def queryables_document(collection_id):
    check_known(request.args, {"f"})
    row, kind = readable_collection(collection_id)
    url = _url("ogc.queryables", collection_id=collection_id)
    # GDAL 3.6 asks for JSON and refuses application/schema+json: the same document as JSON for it.
    mimetype = request.accept_mimetypes.best_match([SCHEMA_JSON, JSON], default=SCHEMA_JSON)
    return _json(queryables(url, _("%(title)s — propriétés filtrables", title=row.title), kind), mimetype)


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id):
    check_known(request.args, {"f"})
    row, kind = readable_collection(collection_id)
    url = _url("ogc.schema", collection_id=collection_id)
    return _json(feature_schema(url, f"{row.title} — {kind.label}", kind), SCHEMA_JSON)


# What werkzeug's url_for leaves unescaped in a query string: the same URLs as before, built once.
_QUERY_SAFE = "!$'()*,/:;?@"


def _page_links(collection_id, after, next_after):
    """self, alternate, collection and next links of a page: one url_for, the variants by their query."""
    base = _url("ogc.items", collection_id=collection_id)
    args = [
        (key, value) for key, values in request.args.lists() if key not in ("f", "after") for value in values
    ]

    def href(*extra):
        query = urlencode(args + [pair for pair in extra if pair[1] is not None], safe=_QUERY_SAFE)
        return f"{base}?{query}" if query else base

    links = [
        link(href(("after", after)), "self", GEOJSON, _("Cette page")),
        link(href(("after", after), ("f", "html")), "alternate", HTML, _("En HTML")),
        link(_url("ogc.collection", collection_id=collection_id), "collection", JSON, _("La collection")),
    ]
    if next_after is not None:
        links.append(link(href(("after", next_after)), "next", GEOJSON, _("Page suivante")))
    return links


@bp.get("/collections/<collection_id>/items")
def items(collection_id):
    query = parse_item_query(request.args)
    html = wants_html()
    row, kind = readable_collection(collection_id, extent=html)
    features, next_after = ogc_queries.item_page(row.id, kind.dimension, query)
    links = _page_links(collection_id, query.after, next_after)
    # Exact and free only when the first page holds everything; otherwise omitted (OGC allows it).
    matched = len(features) if query.after is None and next_after is None else None
    if html:
        features = [json.loads(feature) for feature in features]
        return render_template(
            "exports/ogc/items.html",
            collection=collection_json(row, kind),
            features=features,
            links=links,
            matched=matched,
            query=query,
            map_parts=items_map(row, features) if query.srid == 4326 else None,
        )
    head = {"type": "FeatureCollection", "numberReturned": len(features), "timeStamp": _now(), "links": links}
    if matched is not None:
        head["numberMatched"] = matched
    body = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [' + ",".join(features) + "]}"
    return Response(body, mimetype=GEOJSON, headers={"Content-Crs": f"<{SRID_URIS[query.srid]}>"})


@bp.get("/collections/<collection_id>/items/<int:feature_id>")
def item(collection_id, feature_id):
    check_known(request.args, {"f", "crs"})
    srid = parse_crs(request.args.get("crs"))
    html = wants_html()
    row, kind = readable_collection(collection_id)
    text = ogc_queries.item(row.id, kind.dimension, feature_id, srid)
    if text is None:
        raise NotFound(_("Cette contribution n'existe pas ou n'est pas publiée."))
    feature = json.loads(text)
    feature["links"] = [
        link(
            _url("ogc.item", collection_id=collection_id, feature_id=feature_id),
            "self",
            GEOJSON,
            _("Cette contribution"),
        ),
        link(
            _url("ogc.item", "html", collection_id=collection_id, feature_id=feature_id),
            "alternate",
            HTML,
            _("En HTML"),
        ),
        link(_url("ogc.collection", collection_id=collection_id), "collection", JSON, row.title),
    ]
    if html:
        return render_template(
            "exports/ogc/item.html", feature=feature, collection=collection_json(row, kind)
        )
    return _json(feature, GEOJSON, headers={"Content-Crs": f"<{SRID_URIS[srid]}>"})


def _now():
    from app.consultations.models import utcnow

    return utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
