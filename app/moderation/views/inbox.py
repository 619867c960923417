"""The inbox (all consultations or one), and bulk decisions on a selection."""

from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.consultations.staff import check_somewhere, scope_ids
from app.contributions.models import SOURCE_LABELS, STATUS_LABELS
from app.i18n import translated
from app.keyset import COUNT_CAP
from app.moderation import queries, services
from app.moderation.schemas import InboxArgs
from app.moderation.services.flags import FLAG_REASONS
from app.moderation.views import bp
from app.moderation.views.helpers import (
    check_moderates,
    form_action,
    form_int,
    load_args,
    me,
    moderated_consultation,
    next_url,
    offer_undo,
)

ACTION_DONE = {
    "approve": _l("%(count)s contribution(s) approuvée(s)."),
    "reject": _l("%(count)s contribution(s) refusée(s)."),
    "hide": _l("%(count)s contribution(s) masquée(s)."),
    "unhide": _l("%(count)s contribution(s) réaffichée(s)."),
}


@bp.get("/", strict_slashes=False)
def inbox():
    """The inbox across consultations."""
    return _render_inbox(None)


@bp.get("/concertations/<slug>")
def consultation_inbox(slug):
    """The inbox of one consultation."""
    return _render_inbox(slug)


def _render_inbox(slug):
    args = load_args(InboxArgs)
    allowed = scope_ids(me(), "moderate")
    options = queries.filter_options(allowed)
    slug = slug or args["consultation"]
    consultation = moderated_consultation(options["consultations"], slug)
    filters = queries.InboxFilters(
        allowed_ids=allowed,
        tab=args["tab"],
        consultation_id=consultation["id"] if consultation else None,
        qpv=args["qpv"],
        theme=args["theme"],
        date_from=args["date_from"],
        date_to=args["date_to"],
        author=args["author"],
        source=args["source"],
        sort=args["sort"],
        after=queries.decode_cursor(args["apres"]),
        before=queries.decode_cursor(args["avant"]) if not args["apres"] else None,
    )
    counts = queries.inbox_counts(filters)
    items, following, preceding = queries.inbox_items(filters)
    return render_template(
        "moderation/inbox.html",
        filters=filters,
        args=args,
        consultation=consultation,
        options=options,
        counts=counts,
        items=items,
        next_cursor=following,
        previous_cursor=preceding,
        count_cap=COUNT_CAP,
        tabs=queries.TABS,
        status_labels=translated(STATUS_LABELS),
        source_labels=translated(SOURCE_LABELS),
        flag_reasons=translated(FLAG_REASONS),
        inbox_url=_inbox_url_builder(slug, args),
    )


def _inbox_url_builder(slug, args):
    """A function building the inbox address with the current filters and some overrides."""
    current = {
        k: v for k, v in request.args.items() if v and k not in ("consultation", "page", "apres", "avant")
    }

    def build(**overrides):
        values = {**current, **{k: v for k, v in overrides.items()}}
        values = {k: v for k, v in values.items() if v not in (None, "")}
        if slug:
            return url_for("moderation.consultation_inbox", slug=slug, **values)
        return url_for("moderation.inbox", **values)

    return build


def _moderates_selection(view):
    """Outside `form_action`: 403 when the selection holds an idea of a consultation not moderated."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        check_somewhere(me(), "moderate")
        for consultation_id in queries.consultations_of(_selected_ids()):
            check_moderates(consultation_id)
        return view(*args, **kwargs)

    return wrapped


def _selected_ids():
    return [int(i) for i in request.form.getlist("ids") if i.isdigit() and len(i) < 10]


@bp.post("/actions-groupees")
@_moderates_selection
@form_action("moderation.inbox")
def bulk():
    """Apply one decision to the selected contributions (skipping those in another state)."""
    action = request.form.get("action", "")
    reason = services.compose_reason(form_int("reason_id"), request.form.get("reason_text"))
    result = services.bulk_decide(me(), _selected_ids(), action, reason)
    message = ACTION_DONE[action] % {"count": len(result["done"])}
    if result["skipped"]:
        message += " " + _("%(count)s ignorée(s) : déjà dans un autre état.", count=len(result["skipped"]))
    flash(message, "success")
    offer_undo(_("Action groupée sur %(n)d contribution(s).", n=len(result["done"])))
    return redirect(next_url(url_for("moderation.inbox")))


def _moderates_undone(view):
    """Outside `form_action`: 403 when a decision to undo is about a consultation not moderated."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        check_somewhere(me(), "moderate")
        for consultation_id in queries.consultations_of_actions(_undo_ids()):
            check_moderates(consultation_id)
        return view(*args, **kwargs)

    return wrapped


def _undo_ids():
    return [int(i) for i in request.form.getlist("action_ids") if i.isdigit() and len(i) < 16]


@bp.post("/annulation")
@_moderates_undone
@form_action("moderation.inbox")
def undo():
    """Undo a decision (or a bulk action) made a few minutes ago: the previous state comes back."""
    undone = services.undo(me(), _undo_ids())
    flash(
        _("Décision annulée : %(n)d contribution(s) remise(s) dans leur état précédent.", n=len(undone)),
        "success",
    )
    default = url_for("moderation.contribution", contribution_id=undone[0].id) if len(undone) == 1 else None
    return redirect(next_url(default or url_for("moderation.inbox")))
