"""JSON API: GET /api/consultations/<slug>/map (GeoJSON of a viewport)."""

import re

from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.contributions.models import OUTCOMES
from app.errors import Invalid
from app.geo.bbox import BBoxError, parse_bbox, parse_zoom
from app.maps.queries import STREET_ZOOM, MapRequest, map_geojson

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
        fields[error.field] = [error.message]
    try:
        zoom = parse_zoom(args.get("zoom"))
    except BBoxError as error:
        fields[error.field] = [error.message]
    filters = {name: args[name].strip() for name in ("theme", "qpv", "outcome") if args.get(name, "").strip()}
    if filters.get("outcome") and filters["outcome"] not in OUTCOMES:
        fields["outcome"] = ["Suite donnée inconnue : " + ", ".join(OUTCOMES) + "."]
    for name, label in (("theme", "Thème inconnu."), ("qpv", "Code QPV inconnu.")):
        if name in filters and not FILTER_VALUE.fullmatch(filters[name]):
            fields[name] = [label]
    if fields:
        message = next(iter(fields.values()))[0]
        raise Invalid(message, fields=fields)
    user_id = current_user.id if current_user.is_authenticated else None
    return MapRequest(slug, bbox, zoom, filters, user_id)
