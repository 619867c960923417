"""JSON API: /api/consultations."""

from flask_smorest import Blueprint

from app.consultations import queries
from app.consultations.schemas import (
    ConsultationDetailSchema,
    ConsultationListArgs,
    ConsultationSchema,
)

blp = Blueprint("consultations_api", __name__, url_prefix="/api/consultations", description="Concertations")


@blp.route("")
@blp.arguments(ConsultationListArgs, location="query")
@blp.response(200, ConsultationSchema(many=True))
def list_consultations(args):
    """Published consultations (optionally only the open ones)."""
    return queries.list_consultations(only_open=args["open"])


@blp.route("/<slug>")
@blp.response(200, ConsultationDetailSchema)
def get_consultation(slug):
    """One consultation with its perimeter (GeoJSON) and bounds."""
    consultation = queries.get_consultation(slug)
    data = {name: getattr(consultation, name) for name in ConsultationSchema().fields}
    data["perimeter"] = queries.perimeter_geojson(consultation.id)
    data["bounds"] = queries.consultation_extent(consultation.id)
    return data
