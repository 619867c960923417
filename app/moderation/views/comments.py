"""Comments to moderate: flagged, hidden, published, pending."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import keyset
from app.consultations.staff import scope_ids
from app.keyset import COUNT_CAP
from app.moderation import queries, services
from app.moderation.queries.inbox import filter_options
from app.moderation.schemas import CommentArgs
from app.moderation.services.flags import FLAG_REASONS
from app.moderation.views import bp
from app.moderation.views.helpers import (
    form_action,
    form_int,
    load_args,
    me,
    moderated_consultation,
    moderates,
    next_url,
)

DONE = {
    "hide": _l("Commentaire masqué."),
    "unhide": _l("Commentaire réaffiché."),
    "approve": _l("Commentaire conservé."),
}


@bp.get("/commentaires")
def comments():
    """Comments by tab (flagged first), across consultations or for one."""
    args = load_args(CommentArgs)
    allowed = scope_ids(me(), "moderate")
    options = filter_options(allowed)  # consultations and active reasons in one statement
    consultations = options["consultations"]
    consultation = moderated_consultation(consultations, args["consultation"])
    consultation_id = consultation["id"] if consultation else None
    counts = queries.comment_counts(consultation_id, allowed)
    after, before = _cursors(args)
    items, following, preceding = queries.comment_items(
        args["tab"], consultation_id, after, before, allowed_ids=allowed
    )
    return render_template(
        "moderation/comments.html",
        args=args,
        tabs=queries.COMMENT_TABS,
        counts=counts,
        items=items,
        consultations=consultations,
        consultation=consultation,
        reasons=options["reasons"],
        flag_reasons=FLAG_REASONS,
        next_cursor=following,
        previous_cursor=preceding,
        count_cap=COUNT_CAP,
    )


def _cursors(args):
    _, types = queries.comment_keys(args["tab"])
    after = keyset.decode(args["apres"], f"comments-{args['tab']}", types)
    return after, None if after else keyset.decode(args["avant"], f"comments-{args['tab']}", types)


@bp.post("/commentaires/<int:comment_id>/decision")
@moderates("comment")
@form_action("moderation.comments")
def comment_decision(comment_id):
    """Hide (with a reason), unhide or keep a comment."""
    comment = queries.get_comment(comment_id)
    action = request.form.get("action", "")
    reason = services.compose_reason(form_int("reason_id"), request.form.get("reason_text"))
    services.decide_comment(me(), comment, action, reason)
    flash(str(DONE.get(action, _("C'est fait."))), "success")
    return redirect(next_url(url_for("moderation.comments")))
