"""Marshmallow schemas of the moderation API and of the back-office query strings."""

from marshmallow import EXCLUDE, Schema, fields, validate

from app.contributions.models import OUTCOMES, SOURCES
from app.ids import ID_RANGE
from app.moderation.queries.inbox import TABS
from app.moderation.queries.lists import COMMENT_TABS
from app.moderation.services import ACTIONS, COMMENT_ACTIONS, FLAG_REASONS


class DecisionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    reason_id = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ID_RANGE,
        metadata={"description": "id of a reject reason"},
    )


class BulkDecisionSchema(DecisionSchema):
    ids = fields.List(
        fields.Integer(validate=ID_RANGE), required=True, validate=validate.Length(min=1, max=500)
    )


class CommentDecisionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(COMMENT_ACTIONS))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class MergeSchema(Schema):
    into = fields.Integer(
        required=True, validate=ID_RANGE, metadata={"description": "id of the contribution that is kept"}
    )
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class AnswerSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    official_answer = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class EditSchema(Schema):
    title = fields.String(validate=validate.Length(min=3, max=140))
    body = fields.String(validate=validate.Length(max=5000))
    theme_slug = fields.String()
    geometry = fields.Dict(metadata={"description": "GeoJSON geometry (Point, LineString, Polygon)"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class FlagSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(FLAG_REASONS))
    details = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class FlagOutSchema(Schema):
    id = fields.Integer(dump_only=True)
    reason = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class FlagReasonSchema(Schema):
    code = fields.String(dump_only=True)
    label = fields.String(dump_only=True)


class ModeratedContributionSchema(Schema):
    id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    moderation_reason = fields.String(dump_only=True, allow_none=True)
    flag_count = fields.Integer(dump_only=True)
    merged_into_id = fields.Integer(dump_only=True, allow_none=True)
    title = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    theme_slug = fields.String(dump_only=True)
    agree_count = fields.Integer(dump_only=True)
    disagree_count = fields.Integer(dump_only=True)
    comment_count = fields.Integer(dump_only=True)
    outcome = fields.String(dump_only=True, allow_none=True)
    official_answer = fields.String(dump_only=True, allow_none=True)
    answered_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    reviewed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    undo_action_ids = fields.List(
        fields.Integer(),
        dump_only=True,
        metadata={"description": "audit entries to send to /api/moderation/undo within a few minutes"},
    )


class UndoSchema(Schema):
    action_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1)),
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "ids of the audit entries of the decisions to undo"},
    )


class UndoResultSchema(Schema):
    undone = fields.List(fields.Integer(), dump_only=True)


class BulkResultSchema(Schema):
    done = fields.List(fields.Integer(), dump_only=True)
    skipped = fields.List(fields.Integer(), dump_only=True)
    undo_action_ids = fields.List(fields.Integer(), dump_only=True)


class ModeratedCommentSchema(Schema):
    id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    moderation_reason = fields.String(dump_only=True, allow_none=True)
    flag_count = fields.Integer(dump_only=True)
    contribution_id = fields.Integer(dump_only=True)


class DuplicateSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    theme_slug = fields.String(dump_only=True)
    distance_m = fields.Integer(dump_only=True)
    title_similarity = fields.Float(dump_only=True)
    score = fields.Float(dump_only=True, metadata={"description": "0 to 1, best first"})


# --- query strings of the HTML pages -----------------------------------------------------------------
class InboxArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    tab = fields.String(load_default="pending", validate=validate.OneOf(TABS))
    consultation = fields.String(load_default=None, validate=validate.Length(max=80))
    qpv = fields.String(load_default=None, validate=validate.Length(max=16))
    theme = fields.String(load_default=None, validate=validate.Length(max=64))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    author = fields.String(load_default=None, validate=validate.Length(max=40))
    source = fields.String(load_default=None, validate=validate.OneOf(SOURCES))
    sort = fields.String(load_default="newest", validate=validate.OneOf(("newest", "oldest")))
    apres = fields.String(load_default=None, validate=validate.Length(max=300))  # keyset cursors
    avant = fields.String(load_default=None, validate=validate.Length(max=300))


class CommentArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    tab = fields.String(load_default="flagged", validate=validate.OneOf(COMMENT_TABS))
    consultation = fields.String(load_default=None, validate=validate.Length(max=80))
    apres = fields.String(load_default=None, validate=validate.Length(max=300))  # keyset cursors
    avant = fields.String(load_default=None, validate=validate.Length(max=300))


class AuditArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    actor = fields.String(load_default=None, validate=validate.Length(max=40))
    action = fields.String(load_default=None, validate=validate.Length(max=40))
    target_type = fields.String(
        load_default=None, validate=validate.OneOf(("contribution", "comment", "user", "reject_reason"))
    )
    target_id = fields.Integer(load_default=None, validate=ID_RANGE)
    consultation = fields.String(load_default=None, validate=validate.Length(max=80))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    apres = fields.String(load_default=None, validate=validate.Length(max=300))  # keyset cursors
    avant = fields.String(load_default=None, validate=validate.Length(max=300))


class UserArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default=None, validate=validate.Length(max=254))
    role = fields.String(
        load_default=None,
        validate=validate.OneOf(("resident", "facilitator", "moderator", "urbanist", "admin")),
    )
    sanctioned = fields.Boolean(load_default=False)
    apres = fields.String(load_default=None, validate=validate.Length(max=300))  # keyset cursors
    avant = fields.String(load_default=None, validate=validate.Length(max=300))
