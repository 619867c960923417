"""Untranslated plurals follow French, the source language: « 0 idée », « 1 idée », « 2 idées ».

gettext falls back to the English rule (singular only for n == 1) when a plural message has no
translation, which is always the case in French (the msgids are the French text): « 0 idées ».
Every catalog therefore gets a last fallback that picks the form with French's rule.
"""

import gettext

from babel import Locale
from flask_babel import Domain

_FRENCH_PLURAL = Locale("fr").plural_form


class SourcePlural(gettext.NullTranslations):
    """The msgid itself, singular for 0 and 1 (CLDR French « one »), plural from 2 on."""

    def ngettext(self, singular, plural, n):
        return singular if _FRENCH_PLURAL(abs(n)) == "one" else plural

    ungettext = ngettext

    def npgettext(self, context, singular, plural, n):
        return self.ngettext(singular, plural, n)

    unpgettext = npgettext


class SourcePluralDomain(Domain):
    """Flask-Babel's domain whose translations end with the French plural fallback."""

    def get_translations(self):
        translations = super().get_translations()
        if not getattr(translations, "_source_plural", False):
            translations.add_fallback(SourcePlural())
            translations._source_plural = True
        return translations


def init_app(babel):
    """Use the French-plural domain for the app's messages (Babel's default domain instance)."""
    babel.domain_instance = SourcePluralDomain()
