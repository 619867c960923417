"""JSON API: /api/contributions (read, create, vote, comment) and the list per consultation."""

from functools import cache

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import bindparam, select

from app.accounts.auth import require_login
from app.consultations import queries as consultation_queries
from app.consultations.models import Consultation
from app.contributions import queries, services
from app.contributions.limits import comment_limit, contribution_limit, login_first, vote_limit
from app.contributions.schemas import (
    CommentCreateSchema,
    CommentSchema,
    CommentThreadSchema,
    ContributionCreateSchema,
    ContributionListArgs,
    ContributionPageSchema,
    ContributionSchema,
    PhotoUploadSchema,
    VoteResultSchema,
    VoteSchema,
)
from app.dbpool import RawStatement, entity_columns
from app.errors import Invalid, NotFound
from app.extensions import db
from app.territory.identity import current_territory, in_territory

blp = Blueprint(
    "contributions_api",
    __name__,
    url_prefix="/api",
    description="Idées des habitants : lecture, dépôt, votes et commentaires",
)


def published_consultation(slug, light=False, rules=False):
    """The consultation, if published (else NotFound); `light`: without its QPV and themes (1 statement);
    `rules` (with light): whether proposing is open now and its theme slugs, in that same row."""
    if not isinstance(slug, str) or "\x00" in slug or not 0 < len(slug) <= 80:
        raise NotFound(_("Cette concertation n'existe pas."))
    if light:
        params = {"slug": slug, "territory": current_territory()}
        consultation = _light_consultation_statement(rules).entity(db.session, Consultation, params)
    else:
        consultation = consultation_queries.get_consultation(slug)
    if consultation is None or not consultation.is_published:
        raise NotFound(_("Cette concertation n'existe pas."))
    return consultation


@cache
def _light_consultation_statement(rules):
    """Built once per variant, prepared on the server, run on the raw connection (building and running
    it through the ORM cost more than the query): the consultation by slug in the served territory,
    its own columns but the perimeter (loaded if read, as its QPV, communes, themes and phases)."""
    columns = entity_columns(Consultation, without=("geom",))
    if rules:
        columns += [
            Consultation.theme_slugs.label("theme_slugs"),
            Consultation.proposing_open.label("proposing_open"),
        ]
    return RawStatement(
        select(*columns).where(
            Consultation.slug == bindparam("slug"),
            in_territory(Consultation.territory, bindparam("territory")),
        )
    )


@blp.route("/contributions/<int:contribution_id>")
@blp.response(200, ContributionSchema)
def get_contribution(contribution_id):
    """Une idée (visible : publiée, ou la vôtre en attente de validation)."""
    return queries.contribution_detail(contribution_id, current_user)


@blp.route("/consultations/<slug>/contributions")
@blp.arguments(ContributionListArgs, location="query")
@blp.response(200, ContributionPageSchema)
def list_contributions(args, slug):
    """Les idées d'une concertation, paginées, filtrées (thème, QPV, suite donnée) et triées."""
    consultation = published_consultation(slug, light=True)
    return queries.list_contributions(consultation, current_user, **args)


@blp.route("/consultations/<slug>/contributions/titles")
@blp.doc(
    parameters=[
        {
            "in": "query",
            "name": "ids",
            "required": True,
            "schema": {"type": "string", "example": "12,15,40"},
            "description": f"numéros des idées, séparés par des virgules ({queries.MAX_TITLE_IDS} au plus)",
        }
    ]
)
def contribution_titles(slug):
    """Les titres des idées visibles sur la carte, pour la liste « Idées dans cette zone »."""
    from flask import jsonify, request

    consultation = published_consultation(slug, light=True)
    try:
        ids = [int(part) for part in request.args.get("ids", "").split(",") if part.strip()]
    except ValueError:
        raise Invalid(
            _("Liste de numéros invalide."), fields={"ids": [_("Des nombres séparés par des virgules.")]}
        ) from None
    if len(ids) > queries.MAX_TITLE_IDS:
        message = _("%(maximum)s numéros au plus.", maximum=queries.MAX_TITLE_IDS)
        raise Invalid(message, fields={"ids": [message]})
    user_id = current_user.id if current_user.is_authenticated else None
    response = jsonify(titles=queries.contribution_titles(consultation.id, ids, user_id))
    response.headers["Cache-Control"] = "private, no-store" if user_id else "public, max-age=30"
    response.vary.update(("Cookie", "Authorization"))
    return response


@blp.route("/contributions", methods=["POST"])
@login_first
@contribution_limit
@blp.arguments(ContributionCreateSchema)
@blp.response(201, ContributionSchema)
def create_contribution(args):
    """Déposer une idée (compte confirmé ; session + X-CSRFToken, ou jeton Bearer)."""
    user = require_login()
    try:
        consultation = published_consultation(args["consultation"], light=True, rules=True)
    except NotFound as error:
        raise Invalid(error.message, fields={"consultation": [_("Concertation inconnue.")]}) from error
    contribution = services.create_contribution(
        user, consultation, args["geometry"], args["theme"], args["title"], args["body"]
    )
    return queries.created_detail(contribution, consultation, user)


@blp.route("/contributions/<int:contribution_id>/photos", methods=["POST"])
@login_first
@contribution_limit
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, ContributionSchema)
def add_photos(args, contribution_id):
    """Ajouter des photos à votre idée (multipart/form-data, champ « photos », 3 en tout au plus)."""
    user = require_login()
    contribution = queries.get_contribution(contribution_id, user)
    services.add_photos(user, contribution, args["photos"])
    return queries.contribution_detail(contribution.id, user)


@blp.route("/contributions/<int:contribution_id>/vote", methods=["POST"])
@login_first
@vote_limit
@blp.arguments(VoteSchema)
@blp.response(200, VoteResultSchema)
def cast_vote(args, contribution_id):
    """Voter : 1 (d'accord / soutien) ou -1 (pas d'accord) ; remplace votre vote précédent."""
    user = require_login()
    counts, voting_mode = services.vote_by_id(user, contribution_id, args["value"])
    votes = {"support": counts["agree"]} if voting_mode == "support" else counts
    return {"id": contribution_id, "votes": votes, "my_vote": args["value"]}


@blp.route("/contributions/<int:contribution_id>/vote", methods=["DELETE"])
@login_first
@vote_limit
@blp.response(200, VoteResultSchema)
def retract_vote(contribution_id):
    """Retirer votre vote."""
    user = require_login()
    contribution = queries.get_contribution(contribution_id, user)
    counts = services.retract_vote(user, contribution)
    return vote_result(contribution, counts, None)


def vote_result(contribution, counts, my_vote):
    """The counters after a vote, shaped by the consultation's voting mode."""
    if contribution.consultation.voting_mode == "support":
        votes = {"support": counts["agree"]}
    else:
        votes = {"agree": counts["agree"], "disagree": counts["disagree"]}
    return {"id": contribution.id, "votes": votes, "my_vote": my_vote}


@blp.route("/contributions/<int:contribution_id>/comments")
@blp.response(200, CommentThreadSchema(many=True))
def list_comments(contribution_id):
    """Les commentaires d'une idée publiée, avec leurs réponses (un niveau)."""
    contribution = queries.get_contribution(contribution_id, current_user)
    if contribution.status != "published":
        return []
    return queries.list_comments(contribution.id)


@blp.route("/contributions/<int:contribution_id>/comments", methods=["POST"])
@login_first
@comment_limit
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
def add_comment(args, contribution_id):
    """Commenter une idée publiée, ou répondre à un commentaire (parent_id)."""
    user = require_login()
    contribution = queries.get_contribution(contribution_id, user)
    parent = None
    if args["parent_id"] is not None:
        parent = queries.get_comment(args["parent_id"], contribution.id)
    comment = services.add_comment(user, contribution, args["body"], parent=parent)
    return queries.comment_dict(comment, user.pseudonym)
