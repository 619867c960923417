"""JSON API: /api/workshops (creation, entry on behalf, paper tallies, grid, printable map)."""

import json

from flask import Response, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select, text

from app import idempotency
from app.accounts.auth import require_login
from app.consultations.models import Consultation
from app.consultations.queries import get_consultation
from app.contributions.models import API_SOURCES, SOURCE_LABELS, Contribution
from app.errors import Invalid, NotFound
from app.extensions import db, limiter
from app.templating import url_if
from app.territory.identity import in_territory
from app.workshops import printmap, queries, services
from app.workshops.schemas import (
    MapPdfArgs,
    TallyOutSchema,
    TallySchema,
    WorkshopContributionOutSchema,
    WorkshopContributionSchema,
    WorkshopCreateSchema,
    WorkshopListArgs,
    WorkshopSchema,
    WorkshopUpdateSchema,
)

blp = Blueprint("workshops_api", __name__, url_prefix="/api/workshops", description="Ateliers")


def _consultation(reference):
    """The consultation named by slug or id, or Invalid (a body field, not a missing page)."""
    consultation = None
    if isinstance(reference, int):
        consultation = db.session.scalar(
            select(Consultation).where(Consultation.id == reference, in_territory(Consultation.territory))
        )
    else:
        consultation = db.session.scalar(
            select(Consultation).where(Consultation.slug == reference, in_territory(Consultation.territory))
        )
    if consultation is None:
        message = _("Cette concertation n'existe pas.")
        raise Invalid(message, fields={"consultation": [message]})
    return consultation


def _details(args):
    """Service keyword arguments from a create/update body (API names → model names)."""
    renames = {"date": "starts_at", "place": "place_name", "facilitators": "facilitator_emails"}
    return {renames.get(key, key): value for key, value in args.items() if key != "consultation"}


@blp.route("")
@blp.arguments(WorkshopListArgs, location="query")
@blp.response(200, WorkshopSchema(many=True))
def list_workshops(args):
    """Workshops of a consultation, past and coming."""
    consultation = get_consultation(args["consultation"])
    return [row["workshop"] for row in queries.list_for_consultation(consultation.id)]


@blp.route("", methods=["POST"])
@blp.arguments(WorkshopCreateSchema)
@blp.response(201, WorkshopSchema)
def create_workshop(args):
    """Create a workshop (facilitators, moderators, admins)."""
    user = require_login()
    consultation = _consultation(args["consultation"])
    details = _details(args)
    workshop = services.create_workshop(
        user, consultation, details.pop("starts_at"), details.pop("place_name"), **details
    )
    return workshop


@blp.route("/<int:workshop_id>")
@blp.response(200, WorkshopSchema)
def get_workshop(workshop_id):
    """One workshop (public information)."""
    return queries.get_workshop(workshop_id)


@blp.route("/<int:workshop_id>", methods=["PATCH"])
@blp.arguments(WorkshopUpdateSchema)
@blp.response(200, WorkshopSchema)
def update_workshop(args, workshop_id):
    """Update a workshop: participants, demographics, notes, outcome summary…"""
    user = require_login()
    workshop = queries.get_workshop(workshop_id)
    services.update_workshop(user, workshop, **_details(args))
    return workshop


@blp.route("/<int:workshop_id>/contributions", methods=["POST"])
@blp.arguments(WorkshopContributionSchema)
@blp.response(201, WorkshopContributionOutSchema)
def enter_contribution(args, workshop_id):
    """A contribution entered on behalf of a participant (source « workshop »).

    With an `Idempotency-Key` header (offline entries sent again), a retry answers the first result."""
    user = require_login()
    workshop = queries.get_workshop(workshop_id)
    queries.check_can_manage(user, workshop)
    key, scope = idempotency.request_key(), f"workshop:{workshop.id}:user:{user.id}"
    replay = idempotency.begin(scope, key, request.get_json(silent=True))
    if replay is not None:
        return replay
    if args["consultation"] and args["consultation"] != workshop.consultation.slug:
        message = _("Cet atelier appartient à une autre concertation.")
        raise Invalid(message, fields={"consultation": [message]})
    contribution = services.enter_contribution(
        user,
        workshop,
        args["theme"],
        args["title"],
        args["body"],
        geometry=args["geometry"],
        grid_ref=args["grid_ref"],
        participant=args["participant"],
    )
    answer = contribution_json(contribution)
    idempotency.finish(scope, key, 201, answer)
    return answer


def contribution_json(contribution):
    """The public view of a contribution entered at a workshop (never its participant)."""
    geometry = db.session.execute(
        text("SELECT ST_AsGeoJSON(geom, 6)::json FROM contributions WHERE id = :id"), {"id": contribution.id}
    ).scalar_one()
    return {
        "id": contribution.id,
        "status": contribution.status,
        "source": API_SOURCES[contribution.source],
        "source_label": SOURCE_LABELS[contribution.source],
        "workshop": contribution.workshop_id,
        "number": queries.contribution_number(contribution),
        "grid_ref": queries.contribution_grid_ref(contribution),
        "theme": contribution.theme_slug,
        "theme_label": contribution.theme.label if contribution.theme else None,
        "title": contribution.title,
        "body": contribution.body,
        "geometry": geometry,
        "url": url_if("contributions.show", contribution_id=contribution.id),
    }


@blp.route("/<int:workshop_id>/tallies", methods=["POST"])
@blp.arguments(TallySchema)
@blp.response(200, TallyOutSchema)
def record_tally(args, workshop_id):
    """Paper votes and comments counted at the workshop for one contribution (replaces earlier counts)."""
    user = require_login()
    workshop = queries.get_workshop(workshop_id)
    queries.check_can_manage(user, workshop)
    if args["contribution"] is not None:
        contribution = db.session.get(Contribution, args["contribution"])
        if contribution is None:
            raise NotFound(_("Cette contribution n'existe pas."))
    else:
        contribution = queries.contribution_by_number(workshop.consultation_id, args["number"])
    tally = services.record_tally(
        user, workshop, contribution, args["agree"], args["disagree"], args["comments"]
    )
    return {
        "workshop": workshop.id,
        "contribution": contribution.id,
        "number": queries.contribution_number(contribution),
        "agree": tally.agree,
        "disagree": tally.disagree,
        "comments": tally.comments,
        "workshop_agree_count": contribution.workshop_agree_count,
        "workshop_disagree_count": contribution.workshop_disagree_count,
    }


@blp.route("/<int:workshop_id>/grid")
@blp.doc(
    responses={
        "200": {"description": "Cases de la grille (GeoJSON)", "content": {"application/geo+json": {}}}
    }
)
def grid(workshop_id):
    """The reference grid of the printed maps as GeoJSON cells (EPSG:4326)."""
    workshop = queries.get_workshop(workshop_id)
    cells = queries.grid_cells_geojson(
        queries.consultation_grid(workshop.consultation_id), workshop.consultation_id
    )
    return Response(json.dumps(cells, separators=(",", ":")), mimetype="application/geo+json")


@blp.route("/<int:workshop_id>/map.pdf")
@blp.arguments(MapPdfArgs, location="query")
@limiter.limit("20 per minute")
@blp.doc(responses={"200": {"description": "Carte imprimable (PDF)", "content": {"application/pdf": {}}}})
def map_pdf(args, workshop_id):
    """The printable workshop map (A4 or A3): perimeter, numbered contributions, grid, QR code."""
    workshop = queries.get_workshop(workshop_id)
    paper = args["format"].upper()
    pdf = printmap.cached_pdf(workshop, paper)
    filename = f"atelier-{workshop.id}-carte-{paper}.pdf"
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
