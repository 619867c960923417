"""Jinja filters and globals shared by every feature's templates."""

from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from flask import url_for
from flask_babel import get_locale, gettext
from flask_wtf.csrf import generate_csrf
from werkzeug.routing import BuildError

PARIS = ZoneInfo("Europe/Paris")
# French keeps its typographic habit (« 14 h 05 »); other locales use their CLDR short time.
_TIME_PATTERNS = {"fr": "H 'h' mm"}


def _locale():
    # The request's (or the forced) locale; French outside any app context (scripts, PDF helpers).
    return get_locale() or Locale.parse("fr")


def paris_date(value, with_time=False):
    """A UTC datetime shown in Europe/Paris, in the page's language: « 3 mars 2026 à 14 h 05 »."""
    if value is None:
        return ""
    local = value.astimezone(PARIS)
    locale = _locale()
    text = format_date(local, format="long", locale=locale)
    if with_time:
        time = format_time(local, _TIME_PATTERNS.get(locale.language, "short"), locale=locale)
        text = gettext("%(date)s à %(time)s", date=text, time=time)
    return text


def number_fr(value):
    """1234567 -> « 1 234 567 » in French, « 1,234,567 » in English (Babel, the page's locale)."""
    if value is None:
        return ""
    return format_decimal(value, locale=_locale())


def plural_s(count):
    """Deprecated (French only): « s » from 2 on; use ngettext in templates to be translatable."""
    try:
        return "s" if abs(count) >= 2 else ""
    except TypeError:
        return ""


def plural(count, singular, plural_form=None):
    """« 2 idées »: the number (formatted for the locale) then the noun; prefer ngettext, translatable."""
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
