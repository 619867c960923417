"""Catalogs: a fresh extraction (the same `-F babel.cfg` as `make translations`) finds nothing the
committed template lacks, and every msgid has a real English and Arabic translation."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
LOCALES = ("en", "ar")
PLACEHOLDER = re.compile(r"%\(([^)]+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


def _read(path, locale=None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _key(message):
    return message.id if isinstance(message.id, str) else tuple(message.id)


def _ids(catalog):
    return {_key(message) for message in catalog if message.id}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    target = tmp_path_factory.mktemp("extract") / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(target), str(ROOT)]
    CommandLineInterface().run(argv)
    return _read(target)


def _names(text):
    return set(PLACEHOLDER.findall(text))


def test_extraction_finds_nothing_new(fresh):
    committed = _ids(_read(TRANSLATIONS / "messages.pot"))
    new = sorted(map(str, _ids(fresh) - committed))
    stale = sorted(map(str, committed - _ids(fresh)))
    assert not new, f"{len(new)} msgids not in messages.pot (run `make translations`): {new[:20]}"
    assert not stale, f"{len(stale)} msgids in messages.pot no longer in the code: {stale[:20]}"


def test_the_scripts_strings_are_extracted_with_t():
    # babel.cfg gives static/js the keyword of static/js/i18n.js: t("…", {…}).
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    pattern, method = next((p, m) for p, m in method_map if p.startswith("static/js"))
    sample = ROOT / "var" / "test" / "i18n_sample.js"
    sample.parent.mkdir(parents=True, exist_ok=True)
    sample.write_text(
        'import { t } from "./i18n.js";\nlabel.textContent = t("%(count)s idées", { count });\nf("Non");\n'
    )
    options = options_map[pattern]
    keywords = {**DEFAULT_KEYWORDS, **options.get("keywords", {})}  # as extract_from_dir merges them
    found = [
        message
        for _line, message, *_rest in extract_from_file(method, str(sample), keywords, options=options)
    ]
    assert found == ["%(count)s idées"]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_msgid_is_translated(fresh, locale):
    catalog = _read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale=locale)
    entries = {_key(message): message for message in catalog if message.id}
    problems = []
    for message in fresh:
        if not message.id:
            continue
        key = _key(message)
        entry = entries.get(key)
        if entry is None:
            problems.append(f"missing: {key!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        forms = [entry.string] if isinstance(key, str) else list(entry.string)
        if isinstance(key, tuple) and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms instead of {catalog.num_plurals}: {key!r}")
        if not all(form and form.strip() for form in forms):
            problems.append(f"empty: {key!r}")
            continue
        expected = _names(key) if isinstance(key, str) else _names(key[0]) | _names(key[1])
        if isinstance(key, str):
            if _names(forms[0]) != expected:
                problems.append(f"placeholders {sorted(_names(forms[0]))} != {sorted(expected)}: {key!r}")
        else:
            # A plural form may leave the count out (« فكرة واحدة », one idea), nothing else.
            used = set().union(*(_names(form) for form in forms))
            extra = used - expected
            if extra or any(not (_names(form) <= expected) for form in forms) or used != expected:
                problems.append(f"placeholders of the plural forms do not match: {key!r}")
    assert not problems, f"{locale}: {len(problems)} problems:\n" + "\n".join(problems[:40])


def test_committed_catalogs_compile(tmp_path):
    from babel.messages.mofile import write_mo

    for locale in LOCALES:
        catalog = _read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        assert buffer.getvalue()
