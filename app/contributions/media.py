"""Photos under /media/: served only as far as their contribution is visible.

A published contribution's photos are public; those of a pending, rejected, hidden or merged one are
served to its author and to the staff who may read it (moderators, administrators, and urbanists, whose
exports list them), never cached; anyone else gets 404, as for a photo that no longer exists.

In production nginx serves the bytes: with MEDIA_ACCEL_REDIRECT (e.g. /protected-media/) the app only
decides and answers an empty body with `X-Accel-Redirect`, nginx sends the file from an `internal`
location; the media folder has no public alias. Without it (`make run`, tests) Flask sends the file."""

from urllib.parse import quote

from flask import current_app, send_from_directory
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import text

from app.errors import NotFound, render_error
from app.extensions import db

# Why a short max-age with revalidation rather than a URL that changes with visibility: a hidden
# photo must stop being served soon everywhere, including in shared caches that already hold its
# old URL, and nothing (page, API, export, OGC link) has to be rewritten when a moderator decides.
# After MEDIA_MAX_AGE seconds a cache asks again; the app checks the contribution's status at each
# request and answers 304 (cheap: one indexed look-up, no bytes) or 404 once the photo is hidden.
DEFAULT_PUBLIC_MAX_AGE = 300
NOT_VISIBLE = _l("Cette photo n'existe pas ou n'est pas visible.")

_OWNER_SQL = text(
    "SELECT c.status, c.author_id, c.consultation_id FROM photos p JOIN contributions c ON c.id = p.contribution_id"
    " WHERE p.path = :path OR p.thumb_path = :path LIMIT 1"
)


def photo_owner(path):
    """(status, author_id, consultation_id) of the contribution holding the photo or thumbnail at `path`, or None."""
    if not path or len(path) > 300 or "\x00" in path:
        return None
    return db.session.execute(_OWNER_SQL, {"path": path}).first()


def may_see_unpublished(user, author_id, consultation_id):
    """The author, and the staff who moderate or read the data of the consultation, see photos not (or
    no longer) public."""
    from app.consultations.staff import may

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if author_id is not None and user.id == author_id:
        return True
    return may(user, "moderate", consultation_id) or may(user, "read_data", consultation_id)


def serve(path):
    """The response for /media/<path>: public with a short cache, private without cache, or NotFound."""
    owner = photo_owner(path)
    public = owner is not None and owner.status == "published"
    if owner is None or (
        not public and not may_see_unpublished(current_user, owner.author_id, owner.consultation_id)
    ):
        return _not_visible()
    response = _file_response(path)
    if public:
        response.cache_control.public = True
        response.cache_control.max_age = int(current_app.config.get("MEDIA_MAX_AGE", DEFAULT_PUBLIC_MAX_AGE))
        response.cache_control.must_revalidate = True
    else:
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response


def _not_visible():
    # Not stored by any cache: a photo hidden now may be published again, and its author may ask next.
    return render_error(404, NotFound.code, NOT_VISIBLE, headers={"Cache-Control": "no-store"})


def _file_response(path):
    accel = current_app.config.get("MEDIA_ACCEL_REDIRECT")
    if not accel:
        return send_from_directory(current_app.config["MEDIA_DIR"], path, max_age=None)
    response = current_app.response_class(b"", mimetype="image/jpeg")  # nginx sends the body
    response.headers["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(path)
    return response
