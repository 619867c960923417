"""Photos: verified and re-encoded with Pillow (EXIF and GPS stripped), resized, thumbnailed, stored.

Memory stays bounded whatever arrives: the pixel count is read from the header before anything is
decoded, JPEGs are decoded at a reduced scale (`draft`), other formats are reduced to the target size
right after decoding, and each process works on a bounded number of images at a time."""

import io
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from app.errors import AppError

MAX_PHOTOS = 3
MAX_BYTES = 8 * 1024 * 1024
# Pixels decoded in memory for one photo (PHOTO_MAX_PIXELS): ~4 bytes each, so 24 Mpx ≈ 96 MB at most.
# JPEGs count the pixels decoded at reduced scale (a 48 Mpx phone photo decodes as 3 Mpx).
DEFAULT_MAX_PIXELS = 24_000_000
MAX_SIDE = 1600
THUMB_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}
DRAFT_FORMATS = {"JPEG", "MPO"}

NOT_AN_IMAGE = _l("Ce fichier n'est pas une image lisible : envoyez une photo JPEG, PNG ou WebP.")
TOO_BIG = _l("La photo dépasse 8 Mo : choisissez une photo plus légère.")
TOO_MANY_PIXELS = _l(
    "L'image est trop grande (%(mpx)s millions de pixels au plus) : réduisez sa taille et envoyez-la à nouveau."
)


class PhotoError(ValueError):
    """A French message explaining why a photo is refused."""


class PhotosBusy(AppError):
    """Every image slot of this process stayed busy: 503 with Retry-After, nothing written."""

    status = 503
    code = "unavailable"
    message = _l(
        "Le serveur traite beaucoup de photos en ce moment : votre idée n'a pas été enregistrée, "
        "réessayez dans quelques secondes."
    )
    retry_after = 5


@dataclass
class ProcessedPhoto:
    image: bytes
    thumb: bytes
    width: int
    height: int


def _setting(name, default):
    return current_app.config.get(name, default) if has_app_context() else default


def max_pixels():
    """Most pixels decoded for one photo (config PHOTO_MAX_PIXELS)."""
    return int(_setting("PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _too_many(limit):
    return TOO_MANY_PIXELS % {"mpx": limit // 1_000_000}


_gates_lock = threading.Lock()
_gates = {}
_executors = {}


def _gate():
    size = max(1, int(_setting("PHOTO_CONCURRENCY", 1)))
    with _gates_lock:
        return _gates.setdefault(size, threading.BoundedSemaphore(size))


@contextmanager
def image_slot():
    """One of the PHOTO_CONCURRENCY image slots of this process; PhotosBusy after PHOTO_WAIT_SECONDS."""
    gate = _gate()
    if not gate.acquire(timeout=float(_setting("PHOTO_WAIT_SECONDS", 10))):
        raise PhotosBusy()
    try:
        yield
    finally:
        gate.release()


def read_upload(upload):
    """The bytes of an upload (werkzeug FileStorage, file object or bytes), at most MAX_BYTES."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        stream = getattr(upload, "stream", upload)
        data = stream.read(MAX_BYTES + 1)
    if not data:
        raise PhotoError(_("Le fichier envoyé est vide."))
    if len(data) > MAX_BYTES:
        raise PhotoError(TOO_BIG)
    return data


def process_photo(data):
    """Verify, re-encode to JPEG (≤ 1600 px, no metadata) and thumbnail (320 px) an image."""
    limit = max_pixels()
    with image_slot():
        # The pixels are handled by this process's image threads only: glibc keeps the memory freed
        # by a thread in that thread's malloc arena, so decoding in every request thread (4 per
        # worker) would leave each of them holding an image's worth of memory (measured: +735 MB
        # for one worker instead of +225 MB, bench/uploads_bench.py).
        return _image_threads().submit(_process, data, limit).result()


def _image_threads():
    size = max(1, int(_setting("PHOTO_CONCURRENCY", 1)))
    with _gates_lock:
        if size not in _executors:
            _executors[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="images")
        return _executors[size]


def _process(data, limit):
    try:
        _verify(data)
        image = _decode(data, limit)
    except PhotoError:
        raise
    except Image.DecompressionBombError as error:
        raise PhotoError(_too_many(limit)) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise PhotoError(NOT_AN_IMAGE) from error
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(_jpeg(image, 82), _jpeg(thumb, 75), image.width, image.height)


def _verify(data):
    with Image.open(io.BytesIO(data)) as probe:
        if probe.format not in ACCEPTED_FORMATS:
            raise PhotoError(NOT_AN_IMAGE)
        probe.verify()


def _fit(size, side):
    """`size` scaled down (aspect kept) so that its longer side is at most `side`."""
    width, height = size
    ratio = min(1.0, side / max(width, height))
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def open_bounded(data, limit=None):
    """The image opened but not decoded: JPEG set to decode at reduced scale; PhotoError if too many pixels."""
    limit = limit or max_pixels()
    source = Image.open(io.BytesIO(data))
    if source.format not in ACCEPTED_FORMATS:
        source.close()
        raise PhotoError(NOT_AN_IMAGE)
    if source.format in DRAFT_FORMATS:
        # The DCT decoder scales by 1/2, 1/4 or 1/8 while decoding: the full-size image never exists.
        source.draft(None, _fit(source.size, MAX_SIDE))
    if source.width * source.height > limit:
        source.close()
        raise PhotoError(_too_many(limit))
    return source


def _decode(data, limit):
    """Decode (bounded), reduce to ≤ MAX_SIDE at once, apply the EXIF rotation, copy into a bare RGB image."""
    source = open_bounded(data, limit)
    try:
        source.load()
        exif = source.getexif()
        image = source
        if source.mode not in ("RGB", "RGBA", "L"):  # palette, LA, CMYK, 16-bit…: before resampling
            has_alpha = source.mode in ("LA", "PA") or "transparency" in source.info
            image = source.convert("RGBA" if has_alpha else "RGB")
            source.close()  # frees the decoded pixels now: only the converted copy is used
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        return _bare_rgb(_oriented(image, exif))
    finally:
        source.close()


def _bare_rgb(image):
    """A new RGB image (transparency on white): no EXIF, GPS, XMP, ICC or comment carried over."""
    if image.mode == "RGBA":
        rgb = Image.new("RGB", image.size, (255, 255, 255))
        rgb.paste(image, mask=image.getchannel("A"))
    else:
        rgb = Image.new("RGB", image.size)
        rgb.paste(image.convert("RGB"))
    return rgb


def _oriented(image, exif):
    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(exif.get(0x0112) if exif else None)
    return image.transpose(method) if method is not None else image


def _jpeg(image, quality):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def store_photo(processed, kind="contributions"):
    """Write the photo and its thumbnail under MEDIA_DIR/`kind`; returns their paths relative to MEDIA_DIR."""
    now = datetime.now(UTC)
    folder = Path(kind) / f"{now:%Y}" / f"{now:%m}"
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
