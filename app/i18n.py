"""Languages: which locale a request is answered in, the switcher, and the catalog the scripts read.

French is the source language and the default. The locale comes from an explicit choice (the account's
`users.locale`, else the `cc_lang` cookie set only by the switcher), else the browser's
`Accept-Language`, else French. Answers that used the locale say what it depended on (`Vary`) so a
shared cache never serves one language to a visitor who asked for another.
"""

import functools
from contextlib import contextmanager
from pathlib import Path

from babel.messages.pofile import read_po
from flask import current_app, redirect, request
from flask.globals import _cv_app
from flask_babel import Domain, force_locale, get_locale, get_translations
from flask_babel import _get_current_context as _babel_context
from flask_babel import gettext as babel_gettext
from flask_babel.speaklater import LazyString
from flask_login import current_user

from app.extensions import db
from app.sessions import sign_in_cookie_sent

LOCALES = ("fr", "en", "ar")
DEFAULT_LOCALE = "fr"
RTL_LOCALES = frozenset({"ar"})
# Each language named in its own language (not translated: a reader looks for their own).
LANGUAGE_NAMES = {"fr": "Français", "en": "English", "ar": "العربية"}
COOKIE = "cc_lang"
EASY_READ_COOKIE = "cc_falc"  # « Facile à lire et à comprendre » asked for, remembered like the language
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
POT_PATH = TRANSLATIONS_DIR / "messages.pot"
JS_SOURCE_PREFIX = "static/js/"
_SOURCE = "carte_commune.locale_source"


def normalise(code):
    """A supported locale code from user input ('EN', 'ar-MA' -> 'en', 'ar'), else None."""
    if not code:
        return None
    code = str(code).strip().lower().replace("_", "-").split("-")[0]
    return code if code in LOCALES else None


def _signed_in_user():
    # Only when the request carries a session (or remember-me) cookie: anonymous readers never
    # touch the session, so their pages stay cookie-free.
    if sign_in_cookie_sent() and current_user.is_authenticated:
        return current_user
    return None


def _signed_in_locale():
    user = _signed_in_user()
    return normalise(user.locale) if user is not None else None


def _browser_locale():
    # In the browser's order of preference, by primary subtag: « ar-MA, fr;q=0.8 » is Arabic
    # (werkzeug's best_match would prefer the exact « fr » over the regional « ar-MA »).
    for value, quality in request.accept_languages:
        code = normalise(value)
        if code and quality > 0:
            return code
    return None


def select_locale():
    """Flask-Babel's locale selector: account, cookie, Accept-Language, French."""
    if not request:
        return None  # CLI and jobs: the default, or the locale forced around the work
    for source, code in (
        ("account", _signed_in_locale),
        ("cookie", lambda: normalise(request.cookies.get(COOKIE))),
        ("header", _browser_locale),
    ):
        found = code()
        if found:
            request.environ[_SOURCE] = source
            return found
    request.environ[_SOURCE] = "default"
    return DEFAULT_LOCALE


def current_locale():
    """The code of the locale this page is rendered in ('fr', 'en', 'ar')."""
    locale = get_locale()
    return locale.language if locale else DEFAULT_LOCALE


def text_direction():
    """'rtl' for right-to-left languages, else 'ltr'."""
    return "rtl" if current_locale() in RTL_LOCALES else "ltr"


def languages():
    """(code, own name) of every language offered, in the switcher's order."""
    return [(code, LANGUAGE_NAMES[code]) for code in LOCALES]


def recipient_locale_code(recipient):
    """The language of a mail: the recipient's chosen one (a user or a row with `locale`), else the
    language of the page that triggered it (a sign-up in English gets its mail in English), else French."""
    chosen = recipient.get("locale") if isinstance(recipient, dict) else getattr(recipient, "locale", None)
    if normalise(chosen):
        return normalise(chosen)
    return current_locale() if request else DEFAULT_LOCALE


@contextmanager
def recipient_locale(recipient):
    """Render what is inside (mail subject and body) in the recipient's language."""
    with force_locale(recipient_locale_code(recipient)):
        yield


def vary_on_locale(response):
    """After a request that used the locale: the headers it depended on, for shared caches."""
    source = request.environ.get(_SOURCE)
    if source is None:
        return response  # the locale was not asked for: the answer is language-neutral
    vary = ["Cookie"]  # the account (session) or the cc_lang cookie decides, or would have
    if source in ("header", "default"):
        vary.append("Accept-Language")
    for header in vary:
        response.vary.add(header)
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Language", current_locale())
    return response


# --- the committed template: the scripts' msgids, the plural msgids --------------------------------
@functools.cache
def _template():
    if not POT_PATH.exists():
        return ()
    with POT_PATH.open("rb") as handle:
        return tuple(message for message in read_po(handle) if message.id)


def js_msgids():
    """The msgids extracted from static/js (the committed template says where each one is used)."""
    return tuple(
        message.id
        for message in _template()
        if isinstance(message.id, str)
        and any(path.startswith(JS_SOURCE_PREFIX) for path, _line in message.locations)
    )


class SourceLanguageDomain(Domain):
    """Flask-Babel's domain, with French plurals in French.

    French, the source language, has no catalog; without an entry gettext falls back to the English
    rule (« 0 idées »). The French translations get every plural msgid with French's rule (n > 1)."""

    def get_translations(self):
        # Asked for at every gettext (hundreds per page): remembered on the request's Babel context
        # for the locale object in force (force_locale sets another one, so a mail in another
        # language gets its own catalog, and the page's comes back after it).
        remembered = _remembered_translations()
        if remembered is not None:
            return remembered
        context = _babel_context()
        translations = self._source_translations()
        if context is not None and getattr(context, "babel_locale", None) is not None:
            context.cc_translations = (context.babel_locale, translations)
        return translations

    def _source_translations(self):
        translations = super().get_translations()
        locale = get_locale()
        if locale is None or locale.language != DEFAULT_LOCALE or getattr(translations, "_source", False):
            return translations
        catalog = getattr(translations, "_catalog", None)
        if catalog is None:
            catalog = translations._catalog = {}
        for message in _template():
            if not isinstance(message.id, str):
                singular, plural = message.id[0], message.id[1]
                catalog.setdefault((singular, 0), singular)
                catalog.setdefault((singular, 1), plural)
        translations.plural = lambda n: int(n > 1)
        translations._source = True
        return translations


def _remembered_translations():
    """The catalog SourceLanguageDomain.get_translations remembered on the request's Babel context for
    the locale object in force, reached without Flask's proxies (each `_()` asks: hundreds per page, a
    fifth of a moderation page's time through `g`); None if none yet, or for another locale."""
    app_context = _cv_app.get(None)
    babel = app_context.g.__dict__.get("_flask_babel") if app_context is not None else None
    remembered = getattr(babel, "cc_translations", None)
    if remembered is not None and remembered[0] is getattr(babel, "babel_locale", None):
        return remembered[1]
    return None


def page_translations():
    """The catalog in force for templates: the remembered one, else the domain's answer."""
    remembered = _remembered_translations()
    return remembered if remembered is not None else get_translations()


def translated(labels):
    """{key: text} of a dict of lazy labels, translated once for the page that repeats them (a lazy
    string is translated again at every use: each card of a list would pay for it)."""
    return {key: label_text(label) for key, label in labels.items()}


def label_text(label):
    """The text of a lazy label (`_l("…")` without values) in the request's language, from
    page_translations(), as Flask-Babel's gettext would give it: `str(label)` asks its proxies for the
    domain and the catalog at each use (two or three labels per idea of a JSON list)."""
    if (
        type(label) is LazyString
        and label._func is babel_gettext
        and len(label._args) == 1
        and not label._kwargs
    ):
        return page_translations().ugettext(label._args[0])
    return str(label)


def _install_template_gettext(app):
    """Flask-Babel's Jinja callables (newstyle: escaped, %-formatted), through page_translations()."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
    )


_js_catalogs = {}


def js_catalog():
    """{msgid: translation} of the scripts' strings in the current locale ({} in French)."""
    code = current_locale()
    if code == DEFAULT_LOCALE:
        return {}
    catalog = _js_catalogs.get(code)
    if catalog is None:
        translations = get_translations()
        catalog = {msgid: translations.ugettext(msgid) for msgid in js_msgids()}
        _js_catalogs[code] = catalog
    return catalog


# --- the switcher ---------------------------------------------------------------------------------
def _local_target(target):
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def set_account_locale(user, code):
    """Remember the language in the account (flushes; the request commits)."""
    user.locale = code
    db.session.flush()


def choose_locale_view(code):
    """GET /langues/<code>?next=/page: the explicit choice, kept in the account and a cookie."""
    chosen = normalise(code)
    response = redirect(_local_target(request.args.get("next")), code=303)
    if chosen is None:
        return response
    if current_user.is_authenticated:
        set_account_locale(current_user, chosen)
    response.set_cookie(
        COOKIE,
        chosen,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- easy-read (FALC) summaries ------------------------------------------------------------------
def easy_read_wanted():
    """True when the reader asked for the easy-read summaries (account, else the cc_falc cookie)."""
    request.environ.setdefault(_SOURCE, "cookie")  # the page depends on the cookie: Vary says so
    user = _signed_in_user()
    return bool(user is not None and user.easy_read) or request.cookies.get(EASY_READ_COOKIE) == "1"


def set_account_easy_read(user, wanted):
    """Remember the easy-read choice in the account (flushes; the request commits)."""
    user.easy_read = wanted
    db.session.flush()


def choose_easy_read_view():
    """GET /facile-a-lire?actif=1&next=/page: show the easy-read summaries first (actif=0: stop)."""
    wanted = request.args.get("actif", "1") != "0"
    response = redirect(_local_target(request.args.get("next")), code=303)
    if current_user.is_authenticated:
        set_account_easy_read(current_user, wanted)
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    if wanted:
        response.set_cookie(
            EASY_READ_COOKIE, "1", max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax", secure=secure
        )
    else:
        response.delete_cookie(EASY_READ_COOKIE, httponly=True, samesite="Lax", secure=secure)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app):
    from app.extensions import babel

    babel.domain_instance = SourceLanguageDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.add_url_rule("/langues/<code>", "choose_locale", choose_locale_view, methods=["GET"])
    app.add_url_rule("/facile-a-lire", "choose_easy_read", choose_easy_read_view, methods=["GET"])
    app.after_request(vary_on_locale)
    app.jinja_env.globals.update(
        current_locale=current_locale,
        text_direction=text_direction,
        languages=languages,
        js_catalog=js_catalog,
        easy_read_wanted=easy_read_wanted,
    )
    # {% trans %} blocks are written over several lines: whitespace is normalised in msgids.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    _install_template_gettext(app)
