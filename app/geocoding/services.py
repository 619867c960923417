"""Address search for a consultation and naming of placed ideas (reverse geocoding)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from app.extensions import db
from app.geocoding import client
from app.geocoding.client import GeocoderUnavailable

UNAVAILABLE = _l("La recherche d'adresse ne répond pas : placez votre idée sur la carte.")
OUTSIDE = _l("hors du périmètre de la concertation")
MAX_RESULTS = 8

AREA_SQL = text(
    "SELECT ST_X(ST_Centroid(c.geom)), ST_Y(ST_Centroid(c.geom)),"
    " ARRAY(SELECT DISTINCT qc.commune_insee FROM consultation_qpvs cq"
    "   JOIN qpv_communes qc ON qc.qpv_code = cq.qpv_code WHERE cq.consultation_id = c.id)"
    " FROM consultations c WHERE c.id = :id"
)
# Which of the points lie within the perimeter + buffer (same rule as a new point contribution).
INSIDE_SQL = text(
    "SELECT ST_DWithin(c.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography,"
    " c.buffer_m) FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY"
    " AS p(lon, lat, n) CROSS JOIN consultations c WHERE c.id = :id ORDER BY p.n"
)


def search_addresses(consultation, q):
    """Addresses of the consultation's communes matching `q`, nearest its centre first, flagged
    `inside` or not; raises GeocoderUnavailable."""
    lon, lat, communes = db.session.execute(AREA_SQL, {"id": consultation.id}).one()
    features = client.search(q, lat=lat, lon=lon, limit=MAX_RESULTS)
    features = [f for f in features if not communes or f["properties"].get("citycode") in communes]
    if not features:
        return []
    inside = db.session.execute(
        INSIDE_SQL,
        {"lons": [f["lon"] for f in features], "lats": [f["lat"] for f in features], "id": consultation.id},
    ).scalars()
    return [_result(feature, ok) for feature, ok in zip(features, inside, strict=True)]


def _result(feature, inside):
    props = feature["properties"]
    return {
        "label": str(props.get("label")),
        "lon": feature["lon"],
        "lat": feature["lat"],
        "type": props.get("type"),
        "postcode": props.get("postcode"),
        "citycode": props.get("citycode"),
        "score": props.get("score"),
        "inside": bool(inside),
        "reason": None if inside else OUTSIDE,
    }


def near_label(feature):
    """« près du 12 rue … » for an address, « près de rue … » for a street or place."""
    props = feature["properties"]
    name = props.get("name") or props.get("label")
    if props.get("housenumber") or props.get("type") == "housenumber":
        return _("près du %(name)s", name=name)
    return _("près de %(name)s", name=name)


def name_contribution(contribution_id):
    """Job: store the address near a contribution's anchor (nothing when the geocoder is away)."""
    row = db.session.execute(
        text("SELECT ST_X(anchor), ST_Y(anchor) FROM contributions WHERE id = :id"), {"id": contribution_id}
    ).one_or_none()
    if row is None:
        return None
    try:
        feature = client.reverse(row[0], row[1])
    except GeocoderUnavailable:
        return None
    if feature is None:
        return None
    label = near_label(feature)[:200]
    db.session.execute(
        text("UPDATE contributions SET address_label = :label WHERE id = :id"),
        {"label": label, "id": contribution_id},
    )
    db.session.commit()
    return label
