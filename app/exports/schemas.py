"""Marshmallow schemas of the exports API."""

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

from app.exports.models import EXPORT_CRS, EXPORT_FORMATS
from app.exports.sql import EXPORT_STATUSES


class StringList(fields.List):
    """A list of strings, also accepted as one comma-separated string (query strings, forms)."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.Length(max=80)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple):
            raise ValidationError(_("Une liste est attendue."))
        return super()._deserialize(list(value), attr, data, **kwargs)


class FrenchSchema(Schema):
    error_messages = {"unknown": _l("Champ inconnu."), "type": _l("Données invalides.")}


class ExportRequestSchema(FrenchSchema):
    format = fields.String(
        required=True,
        validate=validate.OneOf(EXPORT_FORMATS, error=_l("Format inconnu : csv, xlsx, geojson ou gpkg.")),
        error_messages={"required": _l("Choisissez un format.")},
        metadata={"description": "csv, xlsx, geojson ou gpkg"},
    )
    consultation = fields.String(load_only=True, metadata={"description": "slug d'une concertation"})
    consultations = StringList(load_default=list, metadata={"description": "slugs (plusieurs concertations)"})
    crs = fields.String(
        load_default="EPSG:4326",
        validate=validate.OneOf(EXPORT_CRS, error=_l("Système inconnu : EPSG:4326 ou EPSG:2154.")),
    )
    qpv = StringList(load_default=list, metadata={"description": "codes QPV (tous si vide)"})
    themes = StringList(load_default=list, metadata={"description": "thèmes (tous si vide)"})
    statuses = StringList(
        load_default=lambda: ["published"],
        validate=validate.ContainsOnly(
            EXPORT_STATUSES, error=_l("Statuts possibles : %(statuses)s", statuses=", ".join(EXPORT_STATUSES))
        ),
    )
    date_from = fields.Date(allow_none=True, error_messages={"invalid": _l("Date invalide (AAAA-MM-JJ).")})
    date_to = fields.Date(allow_none=True, error_messages={"invalid": _l("Date invalide (AAAA-MM-JJ).")})
    separator = fields.String(
        load_default=";", validate=validate.OneOf([";", ","], error=_l("Séparateur : « ; » ou « , »."))
    )

    @pre_load
    def _drop_empty(self, data, **kwargs):
        # HTML forms send empty strings for untouched optional fields.
        if not isinstance(data, Mapping):
            return data  # not an object: marshmallow answers « Invalid input type »
        return {key: value for key, value in data.items() if value not in ("", None)}

    @post_load
    def _merge_consultation(self, data, **kwargs):
        if data.get("consultation"):
            data["consultations"] = [data["consultation"], *data["consultations"]]
        data.pop("consultation", None)
        return data


class ExportSchema(Schema):
    id = fields.Integer(dump_only=True)
    status = fields.String(
        dump_only=True, metadata={"description": "queued, started, finished, failed, expired"}
    )
    progress = fields.Integer(dump_only=True, metadata={"description": "0 à 100"})
    format = fields.String(dump_only=True)
    crs = fields.String(dump_only=True)
    params = fields.Dict(dump_only=True)
    job_id = fields.String(dump_only=True, allow_none=True)
    row_count = fields.Integer(dump_only=True, allow_none=True)
    file_size = fields.Integer(dump_only=True, allow_none=True)
    error = fields.String(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    finished_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    expires_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    status_url = fields.String(dump_only=True)
    download_url = fields.String(dump_only=True, allow_none=True)
