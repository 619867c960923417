"""The inbox (all consultations or one), and bulk decisions on a selection."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.contributions.models import SOURCE_LABELS, STATUS_LABELS
from app.errors import NotFound
from app.keyset import COUNT_CAP
from app.moderation import queries, services
from app.moderation.schemas import InboxArgs
from app.moderation.services.flags import FLAG_REASONS
from app.moderation.views import bp
from app.moderation.views.helpers import form_action, form_int, load_args, me, next_url

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
    options = queries.filter_options()
    slug = slug or args["consultation"]
    consultation = next((c for c in options["consultations"] if c["slug"] == slug), None)
    if slug and consultation is None:
        raise NotFound(_("Cette concertation n'existe pas."))
    filters = queries.InboxFilters(
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
        status_labels=STATUS_LABELS,
        source_labels=SOURCE_LABELS,
        flag_reasons=FLAG_REASONS,
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


@bp.post("/actions-groupees")
@form_action("moderation.inbox")
def bulk():
    """Apply one decision to the selected contributions (skipping those in another state)."""
    action = request.form.get("action", "")
    reason = services.compose_reason(form_int("reason_id"), request.form.get("reason_text"))
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    result = services.bulk_decide(me(), ids, action, reason)
    message = ACTION_DONE[action] % {"count": len(result["done"])}
    if result["skipped"]:
        message += " " + _("%(count)s ignorée(s) : déjà dans un autre état.", count=len(result["skipped"]))
    flash(message, "success")
    return redirect(next_url(url_for("moderation.inbox")))
