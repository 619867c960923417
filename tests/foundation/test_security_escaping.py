"""Every path of user text into the DOM stays text: folium tooltips/popups, our scripts, templates."""

import re
from pathlib import Path

import folium

from app.exports.ogc_html import items_map
from app.maps.builders import SafeGeoJsonPopup, SafeGeoJsonTooltip, base_map, map_html_parts

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'
JS_FILES = sorted((ROOT / "static" / "js").glob("*.js"))
PY_FILES = sorted((ROOT / "app").rglob("*.py"))
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


def _feature(title):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [2.83, 50.43]},
        "properties": {"titre": title, "theme_libelle": "Cadre de vie"},
    }


class _Row:
    minx, miny, maxx, maxy = 2.8, 50.4, 2.9, 50.5


def test_the_ogc_items_map_builds_its_tooltips_without_html(app):
    with app.test_request_context("/ogc/collections/x/items?f=html"):
        parts = items_map(_Row(), [_feature(HOSTILE)])
    script = parts["script"]
    assert "bindTooltip" in script
    assert "innerHTML" not in script and "textContent" in script
    assert "<img" not in script and "<script" not in script  # the title is JSON-escaped data
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in script


def test_safe_popup_and_tooltip_on_any_layer(app):
    with app.test_request_context("/"):
        fmap = base_map()
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [_feature(HOSTILE)]},
            tooltip=SafeGeoJsonTooltip(fields=["titre"], aliases=[HOSTILE]),
            popup=SafeGeoJsonPopup(fields=["titre", "theme_libelle"]),
        ).add_to(fmap)
        script = map_html_parts(fmap)["script"]
    assert script.count("textContent") >= 3 and "innerHTML" not in script
    assert "bindPopup" in script and "<img" not in script


def test_no_folium_html_tooltip_or_popup_in_the_app():
    unsafe = re.compile(r"folium\.(GeoJsonTooltip|GeoJsonPopup|Popup|Tooltip)\(|\bMarkup\(")
    # Markup() is allowed only around nh3's output (the Markdown of descriptions, sanitised first).
    sanitised = re.compile(r"return Markup\(\s*$")
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in PY_FILES
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if unsafe.search(line)
        and not (sanitised.search(line) and "nh3.clean(" in p.read_text().splitlines()[n])
    ]
    assert found == []


def test_our_scripts_never_parse_strings_as_html():
    html_sinks = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment"
        r"|\.html\(|bind(Tooltip|Popup)\(\s*[\"'`]|\bhtml:\s*[\"'`]|setContent\(\s*[\"'`]"
    )
    found = [
        f"{p.name}:{n}: {line.strip()}"
        for p in JS_FILES
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if html_sinks.search(line)
    ]
    assert found == []


def test_every_inline_script_of_the_templates_carries_the_nonce():
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    found = [
        f"{p.relative_to(ROOT)}: {tag}"
        for p in TEMPLATES
        for tag in inline.findall(p.read_text())
        if 'nonce="{{ csp_nonce() }}"' not in tag
    ]
    assert found == []


def test_templates_mark_safe_only_generated_html():
    """`|safe` only on folium's parts and our generated SVG (charts, maps, QR codes)."""
    allowed = re.compile(r"\{\{\s*(map_parts\.(header|html|script)|svg|map_svg|qr_svg)\|safe\s*\}\}")
    found = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in TEMPLATES
        for m in re.finditer(r"\{\{[^}]*\|\s*safe[^}]*\}\}", p.read_text())
        if not allowed.fullmatch(m.group(0))
    ]
    assert found == []
