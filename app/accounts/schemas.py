"""Marshmallow schemas of the accounts API."""

from marshmallow import Schema, fields


class MeSchema(Schema):
    id = fields.Integer(dump_only=True)
    pseudonym = fields.String(dump_only=True)
    role = fields.String(
        dump_only=True, metadata={"description": "resident, facilitator, moderator, urbanist, admin"}
    )
    confirmed = fields.Boolean(dump_only=True, metadata={"description": "e-mail address confirmed"})
    can_post = fields.Boolean(dump_only=True, metadata={"description": "confirmed, not suspended nor banned"})
