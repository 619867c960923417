"""Home page and the public consultation page."""

import folium
from flask import Blueprint, current_app, render_template, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from app.consultations import cover, queries
from app.consultations.models import utcnow
from app.consultations.news import get_news, list_news
from app.consultations.staff import may
from app.errors import NotFound
from app.maps.builders import base_map, map_html_parts
from app.shared_pages import shared_page

bp = Blueprint("consultations", __name__)


@bp.get("/")
@shared_page
def home():
    consultations = queries.list_consultations(only_open=True)
    counts = queries.contribution_counts([c.id for c in consultations])
    return render_template("consultations/home.html", consultations=consultations, counts=counts)


def perimeter_map(consultation):
    """Map parts of the perimeter, its buffer and its « lieux repères » (names escaped)."""
    perimeter, buffered, extent = queries.perimeter_shapes(consultation.id)
    fmap = base_map(bounds=extent)
    folium.GeoJson(
        buffered,
        name=_("Marge"),
        style_function=lambda f: {"color": "#6b7a8f", "weight": 1, "fillOpacity": 0.03},
        interactive=False,
    ).add_to(fmap)
    folium.GeoJson(
        perimeter,
        name=_("Périmètre"),
        style_function=lambda f: {"color": "#1d4e89", "weight": 3, "fillOpacity": 0.08, "dashArray": "6 4"},
        interactive=False,
    ).add_to(fmap)
    for name, lon, lat in queries.landmarks(consultation.id):
        folium.CircleMarker([lat, lon], radius=6, color="#a4161a", tooltip=str(escape(name))).add_to(fmap)
    return map_html_parts(fmap)


@bp.get("/consultations/<slug>")
def show(slug):
    consultation = queries.get_consultation(slug)
    if consultation.status == "draft" and not may(current_user, "edit", consultation.id):
        raise NotFound(_("Cette concertation n'existe pas."))
    counts = queries.contribution_counts([consultation.id])
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        map_parts=perimeter_map(consultation),
        contribution_count=counts.get(consultation.id, 0),
        now=utcnow(),
        news=list_news(consultation.id),
        can_edit=may(current_user, "edit", consultation.id),
    )


@bp.get("/actualites/<int:news_id>/photo")
def news_photo(news_id):
    """The photo of a news post (public once posted; re-encoded JPEG without metadata)."""
    news = get_news(news_id)
    if not news.photo_path or news.consultation.status == "draft":
        raise NotFound(_("Cette photo n'existe pas."))
    return send_from_directory(current_app.config["MEDIA_DIR"], news.photo_path, max_age=7 * 24 * 3600)


@bp.app_template_global()
def cover_url(consultation, thumb=False):
    """The URL of a consultation's cover image (or its thumbnail), None without one."""
    name = cover.file_name(consultation, thumb)
    return url_for("consultations.cover_image", slug=consultation.slug, name=name) if name else None


@bp.get("/consultations/<slug>/couverture/<name>")
def cover_image(slug, name):
    """The cover image or its thumbnail (re-encoded JPEG without metadata); the name changes with the image."""
    consultation = queries.get_consultation(slug)
    if consultation.status == "draft" and not may(current_user, "edit", consultation.id):
        raise NotFound(_("Cette image n'existe pas."))
    for thumb in (False, True):
        if name == cover.file_name(consultation, thumb):
            path = consultation.cover_thumb_path if thumb else consultation.cover_path
            response = send_from_directory(current_app.config["MEDIA_DIR"], path, max_age=365 * 24 * 3600)
            if consultation.status == "draft":
                response.cache_control.private = True
                response.cache_control.public = False
            return response
    raise NotFound(_("Cette image n'existe pas."))
