"""Photos: verified and re-encoded with Pillow (EXIF and GPS stripped), resized, thumbnailed, stored."""

import io
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTOS = 3
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50 Mpx phone photo; beyond that, refuse (decompression bombs)
MAX_SIDE = 1600
THUMB_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

NOT_AN_IMAGE = "Ce fichier n'est pas une image lisible : envoyez une photo JPEG, PNG ou WebP."
TOO_BIG = "La photo dépasse 8 Mo : choisissez une photo plus légère."
TOO_MANY_PIXELS = "L'image est trop grande (plus de 50 millions de pixels)."


class PhotoError(ValueError):
    """A French message explaining why a photo is refused."""


@dataclass
class ProcessedPhoto:
    image: bytes
    thumb: bytes
    width: int
    height: int


def read_upload(upload):
    """The bytes of an upload (werkzeug FileStorage, file object or bytes), at most MAX_BYTES."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        stream = getattr(upload, "stream", upload)
        data = stream.read(MAX_BYTES + 1)
    if not data:
        raise PhotoError("Le fichier envoyé est vide.")
    if len(data) > MAX_BYTES:
        raise PhotoError(TOO_BIG)
    return data


def process_photo(data):
    """Verify, re-encode to JPEG (≤ 1600 px, no metadata) and thumbnail (320 px) an image."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _verify(data)
            image = _decode(data)
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise PhotoError(TOO_MANY_PIXELS) from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
            raise PhotoError(NOT_AN_IMAGE) from error
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(_jpeg(image, 82), _jpeg(thumb, 75), image.width, image.height)


def _verify(data):
    with Image.open(io.BytesIO(data)) as probe:
        if probe.format not in ACCEPTED_FORMATS:
            raise PhotoError(NOT_AN_IMAGE)
        if probe.width * probe.height > MAX_PIXELS:
            raise PhotoError(TOO_MANY_PIXELS)
        probe.verify()


def _decode(data):
    """Reopen after verify(); apply the EXIF rotation, then copy the pixels into a bare RGB image."""
    with Image.open(io.BytesIO(data)) as source:
        if source.format in ("JPEG", "MPO"):
            source.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: less memory
        source.seek(0)
        oriented = ImageOps.exif_transpose(source)
        if oriented.mode in ("RGBA", "LA", "P"):
            oriented = oriented.convert("RGBA")
            rgb = Image.new("RGB", oriented.size, (255, 255, 255))
            rgb.paste(oriented, mask=oriented.getchannel("A"))
        else:
            rgb = Image.new("RGB", oriented.size)
            rgb.paste(oriented.convert("RGB"))
    return rgb  # a new image: no EXIF, GPS, XMP, ICC or comment carried over


def _jpeg(image, quality):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def store_photo(processed):
    """Write the photo and its thumbnail under MEDIA_DIR; returns their paths relative to it."""
    now = datetime.now(UTC)
    folder = Path("contributions") / f"{now:%Y}" / f"{now:%m}"
    name = uuid.uuid4().hex
    root = Path(current_app.config["MEDIA_DIR"])
    (root / folder).mkdir(parents=True, exist_ok=True)
    path, thumb_path = folder / f"{name}.jpg", folder / f"{name}-320.jpg"
    (root / path).write_bytes(processed.image)
    (root / thumb_path).write_bytes(processed.thumb)
    return str(path), str(thumb_path)


def remove_files(paths):
    """Delete stored files (used when the transaction that referenced them fails)."""
    root = Path(current_app.config["MEDIA_DIR"])
    for relative in paths:
        (root / relative).unlink(missing_ok=True)
