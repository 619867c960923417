"""Every word of every template goes through gettext: the Jinja lexer's `data` tokens outside
{% trans %} blocks (and the text of alt/title/placeholder/aria-label attributes) must hold no
letters once the markup is set aside. Mail bodies (.txt) are all text: the same rule."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# A word: two letters in a row (single letters are keyboard keys or grid columns), or « n° ».
WORD = re.compile(r"[^\W\d_]{2,}|\bn°")
# Not words: units, formats and names of standards read the same in every language. Keep it tiny.
ALLOWED = {"km", "px", "CSV", "XLSX", "PDF", "GeoJSON", "GeoPackage", "QGIS", "GET", "OGC API – Features"}
ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "aria-roledescription"}
HOLE = "\x00"  # where an expression or a translated block stood


def _skeleton(source, env):
    """The template's literal text, every {{ … }} and {% trans %}…{% endtrans %} replaced by HOLE.

    Blocks named `…_class` (`{% block body_class %}cc-map-page{% endblock %}`) fill a class attribute:
    CSS class names, not text."""
    parts, depth, tag, blocks = [], 0, None, []
    for _line, kind, value in env.lex(source):
        if kind == "block_begin":
            tag = []
        elif kind == "name" and tag is not None:
            tag.append(value)
        if kind == "block_end" and tag:
            if tag[0] == "trans":
                depth += 1
                parts.append(HOLE)
            elif tag[0] == "endtrans":
                depth -= 1
            elif tag[0] == "block":
                blocks.append(tag[1] if len(tag) > 1 else "")
            elif tag[0] == "endblock" and blocks:
                blocks.pop()
            tag = None
        in_class = bool(blocks) and blocks[-1].endswith("_class")
        if kind == "variable_begin" and depth == 0:
            parts.append(HOLE)
        elif kind == "data" and depth == 0:
            parts.append(HOLE if in_class else value)
    return "".join(parts)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.found.append(data)


def _unwrapped(path, env):
    skeleton = _skeleton(path.read_text(encoding="utf-8"), env)
    if path.suffix == ".html":
        parser = _Text()
        parser.feed(skeleton)
        texts = parser.found
    else:
        texts = [skeleton]
    words = []
    for text in texts:
        for chunk in text.split(HOLE):
            chunk = " ".join(chunk.split())
            if chunk and WORD.search(chunk) and chunk.strip(" .,;:·—–-()[]!?") not in ALLOWED:
                words.append(chunk)
    return words


def _templates():
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))


def test_the_scanner_sees_unwrapped_text():
    env = Environment(extensions=["jinja2.ext.i18n"])
    sample = TEMPLATES / "base.html"
    source = '<p title="Aide">Bonjour {{ name }}</p>{% trans %}Déjà traduit{% endtrans %}{{ _("Oui") }}'
    skeleton = _skeleton(source, env)
    assert "Déjà" not in skeleton and "Oui" not in skeleton and "Bonjour" in skeleton
    assert sample.exists()


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_template_string_is_wrapped(path):
    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])
    words = _unwrapped(path, env)
    assert not words, (
        f"{path.relative_to(ROOT)}: {len(words)} texts not wrapped for translation: {words[:15]}"
    )


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_rebinds_gettext(path):
    # `{% set _ = args.pop('page') %}` would replace the gettext function `_` for the rest of the page.
    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])
    source = path.read_text(encoding="utf-8")
    tokens = [(kind, value) for _line, kind, value in env.lex(source) if kind != "whitespace"]
    for index, (kind, value) in enumerate(tokens[:-2]):
        if kind == "name" and value in ("set", "for") and tokens[index - 1][0] == "block_begin":
            targets = []
            for next_kind, next_value in tokens[index + 1 :]:
                if (next_kind, next_value) in (("name", "in"), ("operator", "=")):
                    break
                if next_kind == "name":
                    targets.append(next_value)
            assert "_" not in targets, f"{path.relative_to(ROOT)} assigns `_`: name it `_unused`"
