"""Marshmallow schemas of the contributions API (French validation messages, field whitelists)."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from app.contributions.listing import MAX_COMPAT_PAGE
from app.contributions.models import OUTCOMES
from app.contributions.queries import MAX_PER_PAGE, SORTS

REQUIRED = {
    "required": _l("Ce champ est obligatoire."),
    "null": _l("Ce champ ne peut pas être vide."),
}


def _text(**kwargs):
    return fields.String(error_messages={**REQUIRED, "invalid": _l("Texte attendu.")}, **kwargs)


def _integer(strict=True, **kwargs):
    messages = {**REQUIRED, "invalid": _l("Nombre entier attendu.")}
    return fields.Integer(error_messages=messages, strict=strict, **kwargs)


class FrenchSchema(Schema):
    error_messages = {
        "unknown": _l("Champ inconnu."),
        "type": _l("Données invalides : un objet JSON est attendu."),
    }


class GeoJSONGeometry(fields.Dict):
    """A GeoJSON geometry; checked by the service, which explains in French what is wrong."""

    def _deserialize(self, value, attr, data, **kwargs):
        return value


class ContributionCreateSchema(FrenchSchema):
    consultation = _text(required=True, metadata={"description": "slug de la concertation"})
    geometry = GeoJSONGeometry(
        required=True,
        error_messages=REQUIRED,
        metadata={
            "description": "géométrie GeoJSON (EPSG:4326) : Point, ou LineString / Polygon si la "
            "concertation les accepte",
            "example": {"type": "Point", "coordinates": [2.8147, 50.4362]},
        },
    )
    theme = _text(required=True, metadata={"description": "slug du thème"})
    title = _text(required=True, metadata={"description": "3 à 140 caractères"})
    body = _text(load_default="", metadata={"description": "5000 caractères au plus"})


class PhotoUploadSchema(FrenchSchema):
    photos = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        required=True,
        error_messages=REQUIRED,
        metadata={"description": "1 à 3 images (JPEG, PNG ou WebP, 8 Mo au plus chacune)"},
    )


class VoteSchema(FrenchSchema):
    value = _integer(
        required=True,
        validate=validate.OneOf([1, -1], error=_l("Valeur de vote invalide : 1 ou -1.")),
        metadata={"description": "1 : d'accord (ou soutien), -1 : pas d'accord"},
    )


class CommentCreateSchema(FrenchSchema):
    body = _text(required=True, metadata={"description": "2000 caractères au plus"})
    parent_id = _integer(
        allow_none=True, load_default=None, metadata={"description": "réponse à ce commentaire"}
    )


SLUG = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error=_l("Code inconnu."))


class ContributionListArgs(FrenchSchema):
    theme = _text(load_default=None, validate=SLUG)
    qpv = _text(load_default=None, validate=SLUG)
    outcome = _text(
        load_default=None,
        validate=validate.OneOf([*OUTCOMES, "sans_reponse"], error=_l("Suite donnée inconnue.")),
    )
    sort = _text(load_default="recent", validate=validate.OneOf(list(SORTS), error=_l("Tri inconnu.")))
    q = _text(load_default=None, validate=validate.Length(max=100, error=_l("100 caractères au plus.")))
    cursor = _text(load_default=None, validate=validate.Length(max=300, error=_l("Curseur invalide.")))
    before = _text(load_default=None, validate=validate.Length(max=300, error=_l("Curseur invalide.")))
    page = _integer(  # old links only: the following pages are read with the `next` cursor
        strict=False,
        load_default=1,
        validate=validate.Range(
            min=1,
            max=MAX_COMPAT_PAGE,
            error=_l(
                "Page invalide : au-delà de %(max_compat_page)s, suivez le curseur « next ».",
                max_compat_page=MAX_COMPAT_PAGE,
            ),
        ),
    )
    per_page = _integer(
        strict=False,
        load_default=20,
        validate=validate.Range(min=1, max=MAX_PER_PAGE, error=_l("Entre 1 et 100.")),
    )


class PhotoSchema(Schema):
    url = fields.String(dump_only=True)
    thumb_url = fields.String(dump_only=True)
    width = fields.Integer(dump_only=True)
    height = fields.Integer(dump_only=True)


class ContributionSchema(Schema):
    id = fields.Integer(dump_only=True)
    consultation = fields.String(dump_only=True)
    status = fields.String(
        dump_only=True, metadata={"description": "pending, published, rejected, hidden, merged"}
    )
    status_label = fields.String(dump_only=True)
    theme = fields.String(dump_only=True)
    theme_label = fields.String(dump_only=True)
    theme_color = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    qpv = fields.String(dump_only=True, allow_none=True)
    qpv_name = fields.String(dump_only=True, allow_none=True)
    commune = fields.String(dump_only=True, allow_none=True)
    commune_insee = fields.String(dump_only=True, allow_none=True)
    address = fields.String(dump_only=True, allow_none=True, metadata={"description": "« près du 12 rue … »"})
    geometry = fields.Dict(dump_only=True, metadata={"description": "GeoJSON"})
    anchor = fields.List(fields.Float(), dump_only=True, metadata={"description": "[lon, lat]"})
    voting_mode = fields.String(dump_only=True)
    votes = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        dump_only=True,
        metadata={"description": '{"agree": n, "disagree": n} ou {"support": n}'},
    )
    workshop_votes = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True)
    my_vote = fields.Integer(dump_only=True, allow_none=True)
    comments = fields.Integer(dump_only=True)
    outcome = fields.String(dump_only=True, allow_none=True)
    outcome_label = fields.String(dump_only=True, allow_none=True)
    official_answer = fields.String(dump_only=True, allow_none=True)
    moderation_reason = fields.String(dump_only=True, allow_none=True)
    answered_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    source = fields.String(dump_only=True)
    source_label = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    published_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    merged_into = fields.Integer(dump_only=True, allow_none=True)
    photos = fields.List(fields.Nested(PhotoSchema), dump_only=True)
    url = fields.String(dump_only=True)
    author = fields.String(dump_only=True, allow_none=True)


class ContributionPageSchema(Schema):
    items = fields.List(fields.Nested(ContributionSchema), dump_only=True)
    count = fields.Integer(dump_only=True)
    count_estimated = fields.Boolean(
        dump_only=True, metadata={"description": "count is an estimate (large lists)"}
    )
    next = fields.String(dump_only=True, allow_none=True, metadata={"description": "cursor of the next page"})
    previous = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "cursor of the previous page"}
    )
    total = fields.Integer(dump_only=True, metadata={"description": "same as count (kept for old clients)"})
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class VoteResultSchema(Schema):
    id = fields.Integer(dump_only=True)
    votes = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True)
    my_vote = fields.Integer(dump_only=True, allow_none=True)


class CommentSchema(Schema):
    id = fields.Integer(dump_only=True)
    parent_id = fields.Integer(dump_only=True, allow_none=True)
    author = fields.String(dump_only=True, allow_none=True)
    body = fields.String(dump_only=True, allow_none=True)
    hidden = fields.Boolean(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class CommentThreadSchema(CommentSchema):
    replies = fields.List(fields.Nested(CommentSchema), dump_only=True)
