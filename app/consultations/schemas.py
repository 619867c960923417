"""Marshmallow schemas for consultations."""

from marshmallow import Schema, fields


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


class ConsultationSchema(Schema):
    slug = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    summary = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
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


class ConsultationDetailSchema(ConsultationSchema):
    perimeter = fields.Dict(dump_only=True, metadata={"description": "GeoJSON MultiPolygon"})
    bounds = fields.List(fields.List(fields.Float()), dump_only=True)


class ConsultationListArgs(Schema):
    open = fields.Boolean(load_default=False, metadata={"description": "only open consultations"})
