"""Jinja filters and globals shared by every feature's templates."""

from zoneinfo import ZoneInfo

from flask import url_for
from flask_wtf.csrf import generate_csrf
from werkzeug.routing import BuildError

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def paris_date(value, with_time=False):
    """A UTC datetime shown in Europe/Paris, in French: « 3 mars 2026 à 14 h 05 »."""
    if value is None:
        return ""
    local = value.astimezone(PARIS)
    text = f"{local.day} {MONTHS[local.month - 1]} {local.year}"
    if with_time:
        text += f" à {local.hour} h {local.minute:02d}"
    return text


def number_fr(value):
    """1234567 -> « 1 234 567 » (narrow no-break space as thousands separator)."""
    if value is None:
        return ""
    return f"{value:,}".replace(",", "\u202f")


def plural_s(count):
    """« s » from 2 on (French rule: « 0 commentaire », « 1 idée », « 2 idées »), else ""."""
    try:
        return "s" if abs(count) >= 2 else ""
    except TypeError:
        return ""


def plural(count, singular, plural_form=None):
    """« 0 commentaire », « 1 idée », « 2 idées », « 1 200 idées »: the number then the noun."""
    word = (plural_form or singular + "s") if plural_s(count) else singular
    return f"{number_fr(count)} {word}"


def url_if(endpoint, **values):
    """url_for, or None when the endpoint is not registered (optional features)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def init_app(app):
    app.jinja_env.filters["paris_date"] = paris_date
    app.jinja_env.filters["number_fr"] = number_fr
    app.jinja_env.filters["plural_s"] = plural_s
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.globals["url_if"] = url_if
    app.jinja_env.globals["csrf_token"] = generate_csrf
