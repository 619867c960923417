"""Marshmallow schemas for consultations."""

from marshmallow import Schema, fields, validate

from app.consultations.models import GEOMETRY_KINDS, PHASE_ACTIONS, STAFF_ROLES, STATUSES


class ThemeSchema(Schema):
    slug = fields.String(dump_only=True)
    label = fields.String(dump_only=True)
    color = fields.String(dump_only=True)
    enjeu = fields.String(dump_only=True)


class QpvRefSchema(Schema):
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    population = fields.Integer(dump_only=True)
    npnru = fields.String(dump_only=True, allow_none=True)


class PhaseSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    actions = fields.List(
        fields.String(validate=validate.OneOf(PHASE_ACTIONS)),
        load_default=list,
        metadata={"description": "propose, vote, comment"},
    )


class ConsultationSchema(Schema):
    slug = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    summary = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    easy_read_summary = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "« Facile à lire et à comprendre » (Markdown)"},
    )
    status = fields.String(dump_only=True, metadata={"description": "draft, published or archived"})
    phase = fields.String(dump_only=True, metadata={"description": "upcoming, open or closed"})
    opens_at = fields.AwareDateTime(dump_only=True)
    closes_at = fields.AwareDateTime(dump_only=True)
    moderation_mode = fields.String(dump_only=True)
    voting_mode = fields.String(dump_only=True)
    geometry_kinds = fields.List(fields.String(), dump_only=True)
    buffer_m = fields.Integer(dump_only=True)
    perimeter_provisional = fields.Boolean(dump_only=True)
    qpvs = fields.List(fields.Nested(QpvRefSchema), dump_only=True)
    themes = fields.List(fields.Nested(ThemeSchema), dump_only=True)
    phases = fields.List(fields.Nested(PhaseSchema), dump_only=True)


class LandmarkSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))


class ConsultationDetailSchema(ConsultationSchema):
    perimeter = fields.Dict(dump_only=True, metadata={"description": "GeoJSON MultiPolygon"})
    bounds = fields.List(fields.List(fields.Float()), dump_only=True)
    description_html = fields.String(dump_only=True, metadata={"description": "Markdown rendu et nettoyé"})
    easy_read_html = fields.String(
        dump_only=True,
        metadata={"description": "Le résumé facile à lire (FALC), rendu et nettoyé ; vide sans résumé"},
    )
    current_phase = fields.String(dump_only=True, allow_none=True)
    open_actions = fields.List(fields.String(), dump_only=True)
    landmarks = fields.List(fields.Nested(LandmarkSchema), dump_only=True)


class ConsultationListArgs(Schema):
    open = fields.Boolean(load_default=False, metadata={"description": "only open consultations"})


class ConsultationWriteSchema(Schema):
    """Body of POST /api/consultations (and PATCH, where every field is optional)."""

    slug = fields.String(required=True, validate=validate.Length(max=80))
    title = fields.String(required=True, validate=validate.Length(max=200))
    summary = fields.String(validate=validate.Length(max=400))
    description = fields.String(validate=validate.Length(max=20000), metadata={"description": "Markdown"})
    easy_read_summary = fields.String(
        allow_none=True,
        validate=validate.Length(max=5000),
        metadata={
            "description": "Résumé « Facile à lire et à comprendre » (FALC) en Markdown : phrases courtes, "
            "montré d'abord aux habitants qui le demandent ; vide ou null pour l'enlever"
        },
    )
    qpv_codes = fields.List(fields.String(), metadata={"description": "perimeter = union of these QPV"})
    perimeter = fields.Dict(metadata={"description": "or a GeoJSON Polygon/MultiPolygon (WGS84)"})
    buffer_m = fields.Integer(validate=validate.Range(0, 5000))
    themes = fields.List(fields.String())
    geometry_kinds = fields.List(fields.String(validate=validate.OneOf(GEOMETRY_KINDS)))
    moderation_mode = fields.String(validate=validate.OneOf(("pre", "post")))
    voting_mode = fields.String(validate=validate.OneOf(("agree_disagree", "support")))
    status = fields.String(validate=validate.OneOf(STATUSES))
    landmarks = fields.List(fields.Nested(LandmarkSchema))
    phases = fields.List(fields.Nested(PhaseSchema))


class ConsultationPatchSchema(ConsultationWriteSchema):
    """Body of PATCH /api/consultations/<slug>: only the fields to change."""

    slug = fields.String(validate=validate.Length(max=80))
    title = fields.String(validate=validate.Length(max=200))


class StaffSchema(Schema):
    id = fields.Integer(dump_only=True)
    user = fields.String(required=True, load_only=True, metadata={"description": "e-mail or pseudonym"})
    pseudonym = fields.String(dump_only=True)
    role = fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))
    assigned_at = fields.AwareDateTime(dump_only=True)


class NewsSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(max=200))
    body = fields.String(validate=validate.Length(max=5000))
    published_at = fields.AwareDateTime(dump_only=True)
    photo = fields.String(dump_only=True, allow_none=True)
