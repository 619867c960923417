"""JSON API: moderation decisions (moderators) and flags (any signed-in user)."""

from functools import wraps

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from app.accounts.auth import require_login
from app.errors import Forbidden
from app.extensions import limiter
from app.moderation import queries, services
from app.moderation.schemas import (
    AnswerSchema,
    BulkDecisionSchema,
    BulkResultSchema,
    CommentDecisionSchema,
    DecisionSchema,
    DuplicateSchema,
    EditSchema,
    FlagOutSchema,
    FlagReasonSchema,
    FlagSchema,
    MergeSchema,
    ModeratedCommentSchema,
    ModeratedContributionSchema,
)

blp = Blueprint("moderation_api", __name__, url_prefix="/api", description="Modération et signalements")


def moderators_only(view):
    """Checked before the body is parsed: 401 anonymous, 403 signed-in without the moderator role."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not require_login().has_role("moderator"):
            raise Forbidden(_("Réservé à l'équipe de modération."))
        return view(*args, **kwargs)

    return wrapped


def signed_in(view):
    """Checked before the body is parsed: 401 anonymous."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        require_login()
        return view(*args, **kwargs)

    return wrapped


@blp.route("/moderation/contributions/<int:contribution_id>/decision", methods=["POST"])
@moderators_only
@blp.arguments(DecisionSchema)
@blp.response(200, ModeratedContributionSchema)
def decide(args, contribution_id):
    """Approve, reject (reason required), hide (reason required) or unhide a contribution."""
    moderator = current_user._get_current_object()
    contribution = queries.get_contribution(contribution_id)
    reason = services.compose_reason(args["reason_id"], args["reason"])
    return services.decide(moderator, contribution, args["action"], reason)


@blp.route("/moderation/contributions/bulk", methods=["POST"])
@moderators_only
@blp.arguments(BulkDecisionSchema)
@blp.response(200, BulkResultSchema)
def bulk(args):
    """Apply one decision to a selection; contributions in another state are skipped."""
    moderator = current_user._get_current_object()
    reason = services.compose_reason(args["reason_id"], args["reason"])
    return services.bulk_decide(moderator, args["ids"], args["action"], reason)


@blp.route("/moderation/contributions/<int:contribution_id>/merge", methods=["POST"])
@moderators_only
@blp.arguments(MergeSchema)
@blp.response(200, ModeratedContributionSchema)
def merge(args, contribution_id):
    """Merge this contribution into `into`; returns the contribution that is kept."""
    moderator = current_user._get_current_object()
    source = queries.get_contribution(contribution_id)
    target = queries.get_contribution(args["into"])
    return services.merge(moderator, source, target, args["reason"])


@blp.route("/moderation/contributions/<int:contribution_id>/duplicates")
@moderators_only
@blp.response(200, DuplicateSchema(many=True))
def duplicates(contribution_id):
    """Likely duplicates in the same consultation, best first, with their score."""
    queries.get_contribution(contribution_id)
    return queries.suggest_duplicates(contribution_id, k=5)


@blp.route("/moderation/contributions/<int:contribution_id>/answer", methods=["POST"])
@moderators_only
@blp.arguments(AnswerSchema)
@blp.response(200, ModeratedContributionSchema)
def answer(args, contribution_id):
    """Publish the official answer and outcome; author and voters are notified by e-mail."""
    moderator = current_user._get_current_object()
    contribution = queries.get_contribution(contribution_id)
    return services.set_official_answer(moderator, contribution, args["outcome"], args["official_answer"])


@blp.route("/moderation/contributions/<int:contribution_id>", methods=["PATCH"])
@moderators_only
@blp.arguments(EditSchema)
@blp.response(200, ModeratedContributionSchema)
def edit(args, contribution_id):
    """Correct title, body, theme or place; the previous state is kept as a version."""
    moderator = current_user._get_current_object()
    contribution = queries.get_contribution(contribution_id)
    return services.edit_contribution(moderator, contribution, **args)


@blp.route("/moderation/comments/<int:comment_id>/decision", methods=["POST"])
@moderators_only
@blp.arguments(CommentDecisionSchema)
@blp.response(200, ModeratedCommentSchema)
def decide_comment(args, comment_id):
    """Hide (reason required), unhide or approve (dismiss flags on) a comment."""
    moderator = current_user._get_current_object()
    comment = queries.get_comment(comment_id)
    return services.decide_comment(moderator, comment, args["action"], args["reason"])


def _flagger_key():
    return f"user:{current_user.id}" if current_user.is_authenticated else "anonymous"


@blp.route("/contributions/<int:contribution_id>/flags", methods=["POST"])
@limiter.limit("20 per minute;200 per day", key_func=_flagger_key)
@signed_in
@blp.arguments(FlagSchema)
@blp.response(201, FlagOutSchema)
def flag_contribution(args, contribution_id):
    """Flag a published contribution (one flag per person); hidden after FLAG_THRESHOLD flags."""
    user = current_user._get_current_object()
    target = services.get_flag_target("contribution", contribution_id)
    return services.flag_contribution(user, target, args["reason"], args["details"])


@blp.route("/comments/<int:comment_id>/flags", methods=["POST"])
@limiter.limit("20 per minute;200 per day", key_func=_flagger_key)
@signed_in
@blp.arguments(FlagSchema)
@blp.response(201, FlagOutSchema)
def flag_comment(args, comment_id):
    """Flag a published comment (one flag per person); hidden after FLAG_THRESHOLD flags."""
    user = current_user._get_current_object()
    target = services.get_flag_target("comment", comment_id)
    return services.flag_comment(user, target, args["reason"], args["details"])


@blp.route("/flag-reasons")
@blp.response(200, FlagReasonSchema(many=True))
def flag_reasons():
    """The reasons a person can give when flagging content."""
    return [{"code": code, "label": label} for code, label in services.FLAG_REASONS.items()]
