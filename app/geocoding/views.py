"""JSON address search for the resident form: /api/consultations/<slug>/adresses?q=…"""

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from app.contributions.api import published_consultation
from app.geocoding.client import GeocoderUnavailable
from app.geocoding.services import UNAVAILABLE, search_addresses

bp = Blueprint("geocoding", __name__)
MIN_QUERY, MAX_QUERY = 3, 200


@bp.get("/api/consultations/<slug>/adresses")
def addresses(slug):
    """Addresses matching `q`; the geocoder away or slow: no results and a French message (200)."""
    consultation = published_consultation(slug)
    q = " ".join((request.args.get("q") or "").split())[:MAX_QUERY]
    if len(q) < MIN_QUERY:
        return jsonify(results=[], message=_("Tapez au moins 3 caractères de l'adresse."), available=True)
    try:
        results = search_addresses(consultation, q)
    except GeocoderUnavailable:
        return jsonify(results=[], message=UNAVAILABLE, available=False)
    message = None if results else _("Aucune adresse trouvée dans les communes de la concertation.")
    return jsonify(results=results, message=message, available=True)
