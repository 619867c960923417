"""JSON API: GET /api/consultations/<slug>/map (GeoJSON of a viewport)."""

import re

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from app.contributions.models import OUTCOMES
from app.errors import Invalid
from app.geo.bbox import BBoxError, parse_bbox, parse_zoom
from app.maps.queries import STREET_ZOOM, MapRequest, map_geojson
from app.maps.tiles import TILE_MAX_ZOOM, Tile, grid_version, tile_geojson
from app.sessions import mark_shared

FILTER_VALUE = re.compile(r"[A-Za-z0-9_-]{1,64}")

blp = Blueprint("maps_api", __name__, url_prefix="/api/consultations", description="Données cartographiques")

QUERY_PARAMETERS = [
    {
        "in": "query",
        "name": "bbox",
        "required": True,
        "schema": {"type": "string", "example": "2.80,50.42,2.84,50.44"},
        "description": "minlon,minlat,maxlon,maxlat (WGS84)",
    },
    {
        "in": "query",
        "name": "zoom",
        "required": True,
        "schema": {"type": "number", "minimum": 0, "maximum": 20},
        "description": f"niveau de zoom ; à partir de {STREET_ZOOM} : contributions individuelles",
    },
    {"in": "query", "name": "theme", "schema": {"type": "string"}, "description": "slug du thème"},
    {"in": "query", "name": "qpv", "schema": {"type": "string"}, "description": "code du QPV"},
    {"in": "query", "name": "outcome", "schema": {"type": "string", "enum": list(OUTCOMES)}},
]
GEOJSON_RESPONSE = {
    "description": "FeatureCollection GeoJSON (500 objets au plus) : contributions au zoom de la rue, "
    "agrégats (`cluster`, `count`, `theme`) en dessous.",
    "content": {"application/geo+json": {"schema": {"type": "object"}}},
}
TILE_RESPONSE = {
    "description": "FeatureCollection GeoJSON des agrégats (`cluster`, `count`, `theme`) de la tuile"
    f" {{z}}/{{x}}/{{y}} (zoom < {STREET_ZOOM}), identique pour tous : Cache-Control public, ETag de la"
    " version de la grille (If-None-Match → 304).",
    "content": {"application/geo+json": {"schema": {"type": "object"}}},
}


@blp.route("/<slug>/map")
@blp.doc(parameters=QUERY_PARAMETERS, responses={"200": GEOJSON_RESPONSE, "404": {}, "422": {}})
def consultation_map(slug):
    """Contributions (street zoom) or aggregates of a consultation in a map viewport."""
    map_request = _parse(slug, request.args)
    payload = map_geojson(map_request)
    response = Response(payload, mimetype="application/geo+json")
    if map_request.user_id is None:
        response.headers["Cache-Control"] = "public, max-age=30"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    # Signed-in authors also see their pending ideas: caches must not mix the two answers.
    response.vary.update(("Cookie", "Authorization"))
    return response


def _parse(slug, args):
    fields = {}
    bbox = zoom = None
    try:
        bbox = parse_bbox(args.get("bbox"))
    except BBoxError as error:
        fields[error.field] = [_(error.msgid, **error.values)]
    try:
        zoom = parse_zoom(args.get("zoom"))
    except BBoxError as error:
        fields[error.field] = [_(error.msgid, **error.values)]
    filters = _filters(args, fields)
    user_id = current_user.id if current_user.is_authenticated else None
    return MapRequest(slug, bbox, zoom, filters, user_id)


def _filters(args, fields):
    """The theme/QPV/outcome filters; raises Invalid with every bad field (`fields` included)."""
    filters = {name: args[name].strip() for name in ("theme", "qpv", "outcome") if args.get(name, "").strip()}
    if filters.get("outcome") and filters["outcome"] not in OUTCOMES:
        fields["outcome"] = [_("Suite donnée inconnue : %(outcomes)s.", outcomes=", ".join(OUTCOMES))]
    for name, label in (("theme", _l("Thème inconnu.")), ("qpv", _l("Code QPV inconnu."))):
        if name in filters and not FILTER_VALUE.fullmatch(filters[name]):
            fields[name] = [label]
    if fields:
        message = next(iter(fields.values()))[0]
        raise Invalid(message, fields=fields)
    return filters


@blp.route("/<slug>/map/<int:z>/<int:x>/<int:y>")
@blp.doc(
    parameters=QUERY_PARAMETERS[2:],
    responses={"200": TILE_RESPONSE, "304": {}, "404": {}, "422": {}},
)
def consultation_map_tile(slug, z, x, y):
    """Aggregates of a consultation in one map tile below the street zoom (cacheable, same for all)."""
    # Never touches the session or the signed-in user: the answer carries no cookie and no Vary.
    if z > TILE_MAX_ZOOM or x >= 2**z or y >= 2**z:
        raise Invalid(
            _(
                "Tuile inconnue : zoom de 0 à %(tile_max_zoom)s, x et y de 0 à 2^zoom - 1.",
                tile_max_zoom=TILE_MAX_ZOOM,
            ),
            fields={"z": [_("Tuile hors de la grille.")]},
        )
    filters = _filters(request.args, {})
    etag = grid_version(slug)
    config = current_app.config
    cache_control = (
        f"public, max-age={config.get('MAP_TILE_MAX_AGE', 30)},"
        f" stale-while-revalidate={config.get('MAP_TILE_STALE', 600)}"
    )
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(tile_geojson(slug, Tile(z, x, y), filters), mimetype="application/geo+json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    return mark_shared(response)
