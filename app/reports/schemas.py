"""Marshmallow schemas of the reports API."""

from marshmallow import Schema, fields, validate


class ReportRequestSchema(Schema):
    consultation = fields.String(load_only=True, validate=validate.Length(min=1, max=80))
    qpv = fields.String(load_only=True, validate=validate.Length(min=1, max=16))
    territory = fields.Boolean(load_only=True, load_default=False)


class ReportListArgs(Schema):
    consultation = fields.String(validate=validate.Length(min=1, max=80))
    qpv = fields.String(validate=validate.Length(min=1, max=16))


class ReportSchema(Schema):
    id = fields.Integer(dump_only=True)
    job_id = fields.String(dump_only=True)
    scope = fields.String(dump_only=True)
    consultation = fields.String(dump_only=True, allow_none=True)
    qpv = fields.String(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    progress = fields.Integer(dump_only=True)
    attempts = fields.Integer(dump_only=True)
    error = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)
    data_date = fields.DateTime(dump_only=True, allow_none=True)
    pdf_url = fields.String(dump_only=True, allow_none=True)
    page_url = fields.String(dump_only=True)
    url = fields.String(dump_only=True)


class ReportDetailSchema(ReportSchema):
    figures = fields.Dict(dump_only=True, allow_none=True)
