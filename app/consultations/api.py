"""JSON API: /api/consultations (read for everyone; create, edit and staff for the back office)."""

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from app.accounts.auth import require_login
from app.consultations import editing, news, queries, staff
from app.consultations.schemas import (
    ConsultationDetailSchema,
    ConsultationListArgs,
    ConsultationPatchSchema,
    ConsultationSchema,
    ConsultationWriteSchema,
    NewsSchema,
    StaffSchema,
)
from app.errors import NotFound
from app.templating import url_if

blp = Blueprint("consultations_api", __name__, url_prefix="/api/consultations", description="Concertations")


@blp.route("")
@blp.arguments(ConsultationListArgs, location="query")
@blp.response(200, ConsultationSchema(many=True))
def list_consultations(args):
    """Published consultations (optionally only the open ones)."""
    return queries.list_consultations(only_open=args["open"])


@blp.route("", methods=["POST"])
@blp.arguments(ConsultationWriteSchema)
@blp.response(201, ConsultationDetailSchema)
def create_consultation(args):
    """Open a consultation (admins and project leads); a draft unless `status` says otherwise."""
    user = require_login()
    consultation = editing.create_from_backoffice(user, args)
    return _detail(consultation)


def _visible(slug):
    consultation = queries.get_consultation(slug)
    if consultation.status == "draft" and not staff.may(current_user, "edit", consultation.id):
        raise NotFound(_("Cette concertation n'existe pas."))
    return consultation


def _detail(consultation):
    data = {name: getattr(consultation, name) for name in ConsultationSchema().fields}
    data["perimeter"] = queries.perimeter_geojson(consultation.id)
    data["bounds"] = queries.consultation_extent(consultation.id)
    data["description_html"] = str(consultation.description_html)
    data["easy_read_html"] = str(consultation.easy_read_html)
    current = consultation.current_phase
    data["current_phase"] = current.name if current else None
    data["open_actions"] = [a for a in ("propose", "vote", "comment") if consultation.allows(a)]
    data["landmarks"] = [{"name": n, "lon": x, "lat": y} for n, x, y in queries.landmarks(consultation.id)]
    return data


@blp.route("/<slug>")
@blp.response(200, ConsultationDetailSchema)
def get_consultation(slug):
    """One consultation with its perimeter (GeoJSON), bounds, phases and landmarks."""
    return _detail(_visible(slug))


@blp.route("/<slug>", methods=["PATCH"])
@blp.arguments(ConsultationPatchSchema)
@blp.response(200, ConsultationDetailSchema)
def update_consultation(args, slug):
    """Change a consultation (admins and its project leads); every change is audited."""
    user = require_login()
    consultation = queries.get_consultation(slug)
    editing.update_from_backoffice(user, consultation, args)
    return _detail(consultation)


@blp.route("/<slug>/news")
@blp.response(200, NewsSchema(many=True))
def list_news(slug):
    """The project's news posts, newest first."""
    return [_news_json(n) for n in news.list_news(_visible(slug).id)]


@blp.route("/<slug>/news", methods=["POST"])
@blp.arguments(NewsSchema)
@blp.response(201, NewsSchema)
def post_news(args, slug):
    """Publish a news post (admins and the consultation's project leads)."""
    user = require_login()
    consultation = queries.get_consultation(slug)
    return _news_json(news.post_news(user, consultation, args["title"], args.get("body", "")))


def _news_json(post):
    photo = url_if("consultations.news_photo", news_id=post.id) if post.photo_path else None
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "published_at": post.published_at,
        "photo": photo,
    }


@blp.route("/<slug>/staff")
@blp.response(200, StaffSchema(many=True))
def list_staff(slug):
    """People assigned to the consultation (admins and its project leads)."""
    user = require_login()
    consultation = queries.get_consultation(slug)
    editing.check_can_edit(user, consultation)
    return [_staff_json(a) for a in staff.list_staff(consultation.id)]


@blp.route("/<slug>/staff", methods=["POST"])
@blp.arguments(StaffSchema)
@blp.response(201, StaffSchema)
def assign(args, slug):
    """Assign a person to the consultation in a role (admins only)."""
    user = require_login()
    consultation = queries.get_consultation(slug)
    staff.check_admin(user)
    person = staff.find_user(args["user"])
    return _staff_json(staff.assign_staff(user, consultation, person, args["role"]))


@blp.route("/<slug>/staff/<int:assignment_id>", methods=["DELETE"])
@blp.response(204)
def unassign(slug, assignment_id):
    """Remove an assignment (admins only)."""
    user = require_login()
    staff.unassign_staff(user, queries.get_consultation(slug), assignment_id)


def _staff_json(assignment):
    return {
        "id": assignment.id,
        "pseudonym": assignment.user.pseudonym,
        "role": assignment.role,
        "assigned_at": assignment.assigned_at,
    }
