"""Plurals without a translation (always the case in French, the source language) follow French's
rule: 0 and 1 are singular. gettext alone would say « 0 idées » (its fallback is English's n == 1)."""

from flask import render_template_string
from flask_babel import force_locale, ngettext

IDEAS = "{% for n in (0, 1, 2, 1200) %}{% trans count=n %}{{ count }} idée{% pluralize %}{{ count }} idées{% endtrans %};{% endfor %}"


def test_french_templates_keep_zero_and_one_singular(app):
    with app.test_request_context("/"), force_locale("fr"):
        assert render_template_string(IDEAS) == "0 idée;1 idée;2 idées;1200 idées;"


def test_french_python_ngettext_keeps_zero_singular(app):
    with app.test_request_context("/"), force_locale("fr"):
        assert ngettext("%(num)s commentaire", "%(num)s commentaires", 0) == "0 commentaire"
        assert ngettext("%(num)s commentaire", "%(num)s commentaires", 3) == "3 commentaires"
