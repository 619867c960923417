"""The cover image of a consultation, through the contributions' photo pipeline.

Pillow verifies and re-encodes it (EXIF and GPS stripped, ≤ 1600 px, a 320 px thumbnail), with the same
byte and pixel limits as residents' photos; the alternative text is required with an image."""

from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import event

from app.contributions.photos import PhotoError, process_photo, read_upload, remove_files, store_photo
from app.extensions import db

ALT_MAX = 200
FOLDER = "consultations"


def prepare_cover(upload):
    """The processed image of an upload, or (None, French message) when it is refused."""
    try:
        return process_photo(read_upload(upload)), None
    except PhotoError as error:
        return None, str(error)


def check_cover(data, consultation, fields):
    """Validate the cover keys of `data` (cover, cover_alt, cover_remove); returns the processed image."""
    processed = None
    upload = data.get("cover")
    if upload is not None:
        processed, message = prepare_cover(upload)
        if message:
            fields["cover"] = [message]
    alt = (data["cover_alt"] or "").strip() if "cover_alt" in data else consultation.cover_alt
    if len(alt or "") > ALT_MAX:
        fields["cover_alt"] = [_("Le texte alternatif fait %(max)d caractères au plus.", max=ALT_MAX)]
    keeps_image = upload is not None or (consultation.cover_path and not data.get("cover_remove"))
    if keeps_image and not alt:
        fields["cover_alt"] = [
            _("Décrivez l'image de couverture en quelques mots (texte lu à qui ne la voit pas).")
        ]
    return processed


def write_cover(consultation, data, processed):
    """Store the new image (or forget the old one) and the alternative text."""
    old = [p for p in (consultation.cover_path, consultation.cover_thumb_path) if p]
    if processed is not None:
        consultation.cover_path, consultation.cover_thumb_path = store_photo(processed, kind=FOLDER)
    elif data.get("cover_remove"):
        consultation.cover_path = consultation.cover_thumb_path = None
        consultation.cover_alt = ""
    else:
        old = []
    if "cover_alt" in data and consultation.cover_path:
        consultation.cover_alt = (data["cover_alt"] or "").strip()
    if old:
        # The replaced files go once the change is committed (a rollback keeps them in use).
        event.listen(db.session(), "after_commit", lambda session: remove_files(old), once=True)


def file_name(consultation, thumb=False):
    """The file name that the public cover URL carries (changes with each new image: cacheable)."""
    path = consultation.cover_thumb_path if thumb else consultation.cover_path
    return Path(path).name if path else None
