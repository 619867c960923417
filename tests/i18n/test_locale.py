"""Which language a page is in: the switcher (account + cc_lang cookie), else Accept-Language, else
French; Arabic pages are right-to-left; caches are told what the language depended on."""

import re

from app.accounts.models import User
from app.extensions import db
from app.i18n import COOKIE
from tests.conftest import login

HTML_TAG = re.compile(r"<html lang=\"([a-z]+)\" dir=\"(ltr|rtl)\">")


def _lang(response):
    match = HTML_TAG.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:200]
    return match.groups()


def _pages(consultation, idea):
    return [
        "/",
        f"/consultations/{consultation.slug}",
        f"/consultations/{consultation.slug}/carte",
        f"/consultations/{consultation.slug}/idees",
        f"/idees/{idea.id}",
        "/territoire",
        "/connexion",
        "/page-qui-n-existe-pas",
    ]


def test_french_by_default_without_any_hint(client):
    response = client.get("/")
    assert _lang(response) == ("fr", "ltr")
    assert "Aller au contenu" in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]


def test_accept_language_best_match(client):
    assert _lang(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})) == ("en", "ltr")
    assert _lang(client.get("/", headers={"Accept-Language": "ar-MA, fr;q=0.8"})) == ("ar", "rtl")
    assert _lang(client.get("/", headers={"Accept-Language": "de-DE, en;q=0.3, fr;q=0.7"})) == ("fr", "ltr")
    assert _lang(client.get("/", headers={"Accept-Language": "de, es"})) == ("fr", "ltr")
    english = client.get("/", headers={"Accept-Language": "en"})
    assert "Skip to content" in english.get_data(as_text=True)
    assert {"Accept-Language", "Cookie"} <= set(english.vary)
    assert english.headers["Content-Language"] == "en"
    assert "Set-Cookie" not in english.headers  # negotiated, not chosen: no cookie


def test_switcher_in_every_header_names_each_language_in_itself(client):
    html = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    switcher = re.search(r'<nav class="lang-switch" aria-label="([^"]+)">(.*?)</nav>', html, re.S)
    assert switcher and switcher.group(1) == "اللغة"
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang="(\w+)"[^>]*>([^<]+)</a>', switcher.group(2))
    assert [(lang, hreflang, name) for _href, lang, hreflang, name in links] == [
        ("fr", "fr", "Français"),
        ("en", "en", "English"),
        ("ar", "ar", "العربية"),
    ]
    assert 'lang="ar" hreflang="ar" rel="nofollow" aria-current="true"' in switcher.group(2)


def test_choosing_a_language_sets_the_cookie_and_wins_over_the_browser(client):
    response = client.get("/langues/en?next=/territoire", headers={"Accept-Language": "ar"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/territoire")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/", headers={"Accept-Language": "ar"})
    assert _lang(page) == ("en", "ltr")
    assert "Cookie" in page.vary and "Accept-Language" not in page.vary
    assert "Set-Cookie" not in page.headers


def test_bad_choices_change_nothing_and_never_redirect_away(client):
    response = client.get("/langues/xx?next=/territoire")
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.get("/langues/ar", query_string={"next": target})
        assert response.headers["Location"] in ("/", "http://localhost/")
    client.set_cookie(COOKIE, "klingon")
    assert _lang(client.get("/", headers={"Accept-Language": "en"})) == ("en", "ltr")


def test_signed_in_choice_is_kept_in_the_account(app, client, make_user):
    user = make_user()
    login(client, user)
    client.get("/langues/ar?next=/")
    assert db.session.get(User, user.id).locale == "ar"
    # Another browser (no cc_lang cookie, an English browser): the account decides.
    other = app.test_client()
    login(other, user)
    other.delete_cookie(COOKIE)
    assert _lang(other.get("/", headers={"Accept-Language": "en"})) == ("ar", "rtl")
    # The choice is personal data: in the resident's download (RGPD).
    assert other.get("/compte/donnees.json").get_json()["compte"]["langue"] == "ar"


def test_every_page_is_rtl_in_arabic(client, make_consultation, make_contribution):
    consultation = make_consultation()
    idea = make_contribution(consultation)
    client.set_cookie(COOKIE, "ar")
    for path in _pages(consultation, idea):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert _lang(response) == ("ar", "rtl"), path


def test_anonymous_pages_stay_cookie_free_in_every_language(client, make_consultation, make_contribution):
    consultation = make_consultation()
    idea = make_contribution(consultation)
    for language in ("fr", "en", "ar"):
        for path in _pages(consultation, idea)[:5]:
            response = client.get(path, headers={"Accept-Language": language})
            assert response.status_code == 200, path
            assert "Set-Cookie" not in response.headers, path
            assert {"Accept-Language", "Cookie"} <= set(response.vary), path


def test_map_data_is_the_same_in_every_language(client, make_consultation, make_contribution):
    consultation = make_consultation()
    make_contribution(consultation)
    tile = f"/api/consultations/{consultation.slug}/map/12/2075/1383"
    viewport = f"/api/consultations/{consultation.slug}/map?bbox=2.7,50.3,2.9,50.5&zoom=16"
    for path in (tile, viewport):
        answers = [client.get(path, headers={"Accept-Language": lang}) for lang in ("fr", "en", "ar")]
        assert answers[0].status_code == 200, path
        bodies = {answer.get_data() for answer in answers}
        vary = [set(answer.vary) for answer in answers]
        # Language-neutral, or it says it depends on the language.
        assert len(bodies) == 1 or all("Accept-Language" in v for v in vary), path
    assert "Accept-Language" not in client.get(tile).vary


def test_js_catalog_is_embedded_for_the_page_language(client):
    def catalog(language):
        html = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
        found = re.search(r'<script type="application/json" id="cc-i18n"[^>]*>(.*?)</script>', html)
        assert found, language
        return found.group(1)

    assert catalog("fr") == "{}"
    assert catalog("en").startswith("{")


def test_dates_and_numbers_follow_the_locale(app):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from app.templating import number_fr, paris_date

    moment = datetime(2026, 3, 3, 13, 5, tzinfo=UTC)
    with app.test_request_context("/"):
        assert paris_date(moment, with_time=True) == "3 mars 2026 à 14 h 05"
        assert number_fr(1234567) == "1\u202f234\u202f567"
        with force_locale("en"):
            assert paris_date(moment) == "March 3, 2026"
            assert paris_date(moment, with_time=True) == "March 3, 2026 at 2:05\u202fPM"
            assert number_fr(1234567) == "1,234,567"
        with force_locale("ar"):
            assert "2026" in paris_date(moment) and "مارس" in paris_date(moment)


def test_mails_are_written_in_the_recipients_language(app, make_user, run_jobs):
    from flask import g

    from app.accounts.mails import send_reset_mail
    from app.mail import outbox_messages

    arabic, unknown = make_user(locale="ar"), make_user()
    for user in (arabic, unknown):  # asked from an English page
        g.pop("_flask_babel", None)
        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            send_reset_mail(user)
    run_jobs(["mail"])
    mails = {m["To"]: m for m in outbox_messages()}
    assert mails[arabic.email]["Subject"] == "إعادة تعيين كلمة المرور — Carte Commune"
    assert mails[arabic.email].get_content().startswith(f"مرحبًا {arabic.pseudonym}،")
    # No choice in the account: the language of the page that asked for the mail.
    assert mails[unknown.email]["Subject"] == "Resetting your password — Carte Commune"
    assert mails[unknown.email].get_content().startswith(f"Hello {unknown.pseudonym},")


def test_plurals_follow_each_languages_rule(app):
    from flask_babel import force_locale, ngettext

    with app.test_request_context("/"):
        # French: 0 and 1 take the singular (gettext alone would say « 0 idées »).
        assert [ngettext("%(num)s idée", "%(num)s idées", n) for n in (0, 1, 2)] == [
            "0 idée",
            "1 idée",
            "2 idées",
        ]
        with force_locale("en"):
            assert ngettext("%(num)s idée", "%(num)s idées", 0) == "0 ideas"
        with force_locale("ar"):
            forms = [ngettext("%(num)s idée", "%(num)s idées", n) for n in (1, 2, 5, 11, 100)]
            assert forms == ["فكرة واحدة", "فكرتان", "5 أفكار", "11 فكرةً", "100 فكرة"]


def test_js_catalog_holds_the_scripts_msgids_translated(client, monkeypatch):
    import json

    from babel.messages.catalog import Message

    from app import i18n

    scripts = [Message("Fermer", locations=[("static/js/contributions-map.js", None)])]
    monkeypatch.setattr(
        i18n, "_template", lambda: scripts + [Message("Langue", locations=[("templates/base.html", None)])]
    )
    monkeypatch.setattr(i18n, "_js_catalogs", {})

    def catalog(language):
        html = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
        return json.loads(re.search(r'id="cc-i18n"[^>]*>(.*?)</script>', html).group(1))

    assert catalog("fr") == {}
    assert catalog("en") == {"Fermer": "Close"}  # only the scripts' strings, not the templates'
    assert catalog("ar") == {"Fermer": "إغلاق"}
