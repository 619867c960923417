"""Marshmallow schemas of the workshops API (explicit whitelists; participant contacts load-only)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.ids import ID_RANGE

GEOMETRY_TYPES = ("Point", "LineString", "Polygon")
PARIS = ZoneInfo("Europe/Paris")
MESSAGES = {
    "required": _l("Ce champ est obligatoire."),
    "null": _l("Ce champ ne peut pas être vide."),
    "invalid": _l("Valeur invalide."),
}


class FrenchSchema(Schema):
    error_messages = {
        "unknown": _l("Champ inconnu."),
        "type": _l("Données invalides : un objet JSON est attendu."),
    }

    def on_bind_field(self, field_name, field_obj):
        # French messages for every field (marshmallow's defaults are English).
        field_obj.error_messages = {**field_obj.error_messages, **MESSAGES}


class WhenField(fields.Field):
    """An ISO 8601 date-time (or a date alone: 9 h); without an offset it is Paris time."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(_("Date attendue (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)."))
        try:
            if len(value.strip()) == 10:
                when = datetime.combine(date.fromisoformat(value.strip()), time(9, 0))
            else:
                when = datetime.fromisoformat(value.strip())
        except ValueError as error:
            raise ValidationError(_("Date attendue (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM).")) from error
        return when if when.tzinfo else when.replace(tzinfo=PARIS)

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if value else None


class GeometryField(fields.Dict):
    """A GeoJSON geometry object (Point, LineString or Polygon); deeper checks are the service's."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value.get("type") not in GEOMETRY_TYPES or not isinstance(value.get("coordinates"), list):
            raise ValidationError(_("Géométrie GeoJSON attendue : Point, LineString ou Polygon."))
        return {"type": value["type"], "coordinates": value["coordinates"]}


class DemographicsField(fields.Dict):
    """{"age": {"18-25": 4}, "genre": {"femmes": 7}, "habitants_qpv": {"oui": 9}} (checked by the service)."""


class ConsultationRef(fields.Field):
    """A consultation given by its slug (or its numeric id)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int) or value in ("", 0):
            raise ValidationError(
                _("Indiquez la concertation (son adresse, par exemple « ma-concertation »).")
            )
        return value


ALIASES = {"starts_at": "date", "place_name": "place", "consultation_slug": "consultation"}


class WorkshopCreateSchema(FrenchSchema):
    consultation = ConsultationRef(required=True, metadata={"description": "slug de la concertation"})
    date = WhenField(required=True, metadata={"description": "début (ISO 8601 ; heure de Paris sans fuseau)"})
    ends_at = WhenField(load_default=None)
    place = fields.String(
        required=True, validate=validate.Length(min=2, max=200, error=_l("De 2 à 200 caractères."))
    )
    address = fields.String(
        load_default="", validate=validate.Length(max=300, error=_l("300 caractères au plus."))
    )
    title = fields.String(
        load_default=None, validate=validate.Length(max=200, error=_l("200 caractères au plus."))
    )
    lon = fields.Float(load_default=None)
    lat = fields.Float(load_default=None)
    participants_count = fields.Integer(
        load_default=0, validate=validate.Range(min=0, error=_l("Nombre positif attendu."))
    )
    demographics = DemographicsField(load_default=None)
    notes = fields.String(load_default="")
    outcome_summary = fields.String(load_default="")
    facilitators = fields.List(fields.Email(), load_default=list, metadata={"description": "e-mails"})

    @pre_load
    def _aliases(self, data, **kwargs):
        """Accept the model's names too (starts_at, place_name) and a place given as an object."""
        if not isinstance(data, dict):
            return data
        data = {ALIASES.get(key, key): value for key, value in data.items()}
        place = data.get("place")
        if isinstance(place, dict):
            data["place"] = place.get("name")
            for key in ("address", "lon", "lat"):
                if place.get(key) is not None:
                    data.setdefault(key, place[key])
        return data


class WorkshopUpdateSchema(FrenchSchema):
    date = WhenField()
    ends_at = WhenField(allow_none=True)
    place = fields.String(validate=validate.Length(min=2, max=200, error=_l("De 2 à 200 caractères.")))
    address = fields.String(validate=validate.Length(max=300, error=_l("300 caractères au plus.")))
    title = fields.String(validate=validate.Length(max=200, error=_l("200 caractères au plus.")))
    lon = fields.Float(allow_none=True)
    lat = fields.Float(allow_none=True)
    participants_count = fields.Integer(validate=validate.Range(min=0, error=_l("Nombre positif attendu.")))
    demographics = DemographicsField()
    notes = fields.String()
    outcome_summary = fields.String()
    facilitators = fields.List(fields.Email())


class WorkshopSchema(FrenchSchema):
    """The public view of a workshop (no notes, no participants)."""

    id = fields.Integer(dump_only=True)
    consultation = fields.Function(lambda w: w.consultation.slug, dump_only=True)
    title = fields.String(dump_only=True)
    date = fields.AwareDateTime(attribute="starts_at", dump_only=True)
    ends_at = fields.AwareDateTime(dump_only=True)
    place = fields.String(attribute="place_name", dump_only=True)
    address = fields.String(dump_only=True)
    participants_count = fields.Integer(dump_only=True)
    demographics = fields.Dict(dump_only=True)
    outcome_summary = fields.String(dump_only=True)
    url = fields.Function(lambda w: url_for("workshops.show", workshop_id=w.id), dump_only=True)
    map_pdf = fields.Function(lambda w: url_for("workshops_api.map_pdf", workshop_id=w.id), dump_only=True)


class ParticipantSchema(FrenchSchema):
    """Load-only: the contact is stored for follow-up, never sent back."""

    class Meta:
        unknown = EXCLUDE

    first_name = fields.String(load_default="", load_only=True)
    contact = fields.String(load_default="", load_only=True)
    consent = fields.Boolean(load_default=False, load_only=True)


class WorkshopContributionSchema(FrenchSchema):
    """The body of POST /api/contributions, plus `participant` and `grid_ref` (instead of geometry)."""

    consultation = fields.String(load_default=None, metadata={"description": "slug (facultatif)"})
    theme = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(load_default="")
    geometry = GeometryField(load_default=None)
    grid_ref = fields.String(load_default=None, metadata={"description": "case de la grille, ex. C4"})
    participant = fields.Nested(ParticipantSchema, load_default=None)

    @validates_schema
    def _place(self, data, **kwargs):
        if data.get("geometry") is None and not data.get("grid_ref"):
            raise ValidationError(
                _("Placez le point sur la carte ou tapez une case de la grille (par exemple « C4 »)."),
                field_name="geometry",
            )


class WorkshopContributionOutSchema(FrenchSchema):
    id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    source = fields.String(dump_only=True)
    source_label = fields.String(dump_only=True)
    workshop = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True, metadata={"description": "numéro sur les cartes imprimées"})
    grid_ref = fields.String(dump_only=True, allow_none=True)
    theme = fields.String(dump_only=True)
    theme_label = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    geometry = fields.Dict(dump_only=True)
    url = fields.String(dump_only=True, allow_none=True)


class TallySchema(FrenchSchema):
    contribution = fields.Integer(
        load_default=None, validate=ID_RANGE, metadata={"description": "id de la contribution"}
    )
    number = fields.Integer(
        load_default=None, validate=ID_RANGE, metadata={"description": "ou son numéro sur la carte imprimée"}
    )
    agree = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=100_000, error=_l("Entre 0 et 100 000."))
    )
    disagree = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=100_000, error=_l("Entre 0 et 100 000."))
    )
    comments = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=100_000, error=_l("Entre 0 et 100 000."))
    )

    @validates_schema
    def _target(self, data, **kwargs):
        if data.get("contribution") is None and data.get("number") is None:
            raise ValidationError(
                _("Indiquez la contribution (id) ou son numéro."), field_name="contribution"
            )


class TallyOutSchema(FrenchSchema):
    workshop = fields.Integer(dump_only=True)
    contribution = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    agree = fields.Integer(dump_only=True)
    disagree = fields.Integer(dump_only=True)
    comments = fields.Integer(dump_only=True)
    workshop_agree_count = fields.Integer(dump_only=True)
    workshop_disagree_count = fields.Integer(dump_only=True)


class MapPdfArgs(FrenchSchema):
    format = fields.String(
        load_default="A4", validate=validate.OneOf(["A4", "A3", "a4", "a3"], error=_l("Format : A4 ou A3."))
    )


class WorkshopListArgs(FrenchSchema):
    consultation = fields.String(required=True)
