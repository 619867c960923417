"""Project news (« Actualités du projet »): dated posts of the project team, shown in the timeline."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.consultations.editing import check_can_edit
from app.consultations.models import News, utcnow
from app.contributions.photos import PhotoError, process_photo, read_upload, store_photo
from app.contributions.services import clean_text
from app.errors import Invalid, NotFound
from app.extensions import db

TITLE_MAX, BODY_MAX = 200, 5000


def post_news(actor, consultation, title, body="", photo=None):
    """Publish a news post (admins and the consultation's project leads); audited; returns it."""
    from app.moderation.services.audit import record

    check_can_edit(actor, consultation)
    title, body = clean_text(title), clean_text(body)
    fields = {}
    if not 3 <= len(title) <= TITLE_MAX:
        fields["title"] = [_("Un titre de 3 à %(title_max)s caractères.", title_max=TITLE_MAX)]
    if len(body) > BODY_MAX:
        fields["body"] = [_("%(body_max)s caractères au plus.", body_max=BODY_MAX)]
    processed = None
    if photo is not None and not fields:
        try:
            processed = process_photo(read_upload(photo))
        except PhotoError as error:
            fields["photo"] = [str(error)]
    if fields:
        raise Invalid(next(iter(fields.values()))[0], fields=fields)
    news = News(
        consultation_id=consultation.id, title=title, body=body, published_at=utcnow(), author_id=actor.id
    )
    if processed is not None:
        news.photo_path = store_photo(processed)[0]
    db.session.add(news)
    db.session.flush()
    record(actor, "news_post", "news", news.id, consultation.id, reason=title, after={"title": title})
    return news


def list_news(consultation_id, limit=20):
    """The latest news posts of a consultation, newest first."""
    return db.session.scalars(
        select(News)
        .where(News.consultation_id == consultation_id)
        .order_by(News.published_at.desc(), News.id.desc())
        .limit(limit)
    ).all()


def get_news(news_id):
    """One news post, or NotFound."""
    news = db.session.get(News, news_id)
    if news is None:
        raise NotFound(_("Cette actualité n'existe pas."))
    return news
