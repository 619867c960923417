"""Request-level guards: JSON nested too deeply is refused before any parser sees it."""

import re

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from app.errors import render_error

DEFAULT_MAX_JSON_DEPTH = 64  # GeoJSON needs about 6; Python's parser overflows near 1 000
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
TOO_DEEP = _l(
    "Les données JSON envoyées sont imbriquées trop profondément (plus de %(limit)s niveaux) : "
    "simplifiez-les et réessayez."
)


def json_too_deep(data, limit):
    """True when the JSON text `data` (bytes or str) nests arrays/objects deeper than `limit`."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # the common case, without a scan
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    depth = 0
    for char in brackets:
        if char in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _json_texts():
    # The body when it is JSON, and form fields that carry JSON (e.g. a drawn geometry).
    if request.is_json:
        yield request.get_data(cache=True)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for value in request.form.values():
            if value.lstrip()[:1] in ("[", "{"):
                yield value


def _refuse_deep_json():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    limit = current_app.config.get("MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH)
    for text in _json_texts():
        if json_too_deep(text, limit):
            return render_error(400, "json_too_deep", TOO_DEEP % {"limit": limit})
    return None


def init_app(app):
    app.before_request(_refuse_deep_json)
