"""Pages the same for every anonymous visitor (app/shared_pages.py): home, an idea list, an idea page.

Anonymous answers are byte for byte the same for two visitors, leave no cookie, need no CSP nonce (no
inline script or style) and say `public, s-maxage`; everything else these views answer is private."""

import re

import pytest

from tests.conftest import bearer, login

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


@pytest.fixture
def pages(make_consultation, make_contribution, make_user):
    consultation = make_consultation()
    author = make_user()
    idea = make_contribution(consultation, author=author)
    return author, idea, ["/", f"/consultations/{consultation.slug}/idees", f"/idees/{idea.id}"]


def _directives(response):
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def test_anonymous_visitors_get_the_same_page_that_shared_caches_may_keep(app, pages):
    for path in pages[2]:
        first, second = app.test_client().get(path), app.test_client().get(path)
        assert first.status_code == second.status_code == 200, path
        assert first.data == second.data, f"{path}: two anonymous visitors, two pages"
        assert "Set-Cookie" not in first.headers, path
        assert (
            first.headers["Cache-Control"]
            == f"public, max-age=0, s-maxage={app.config['SHARED_PAGE_SECONDS']}"
        )
        assert {"Cookie", "Accept-Language"} <= set(first.vary), path  # one copy per language
        directives = _directives(first)
        for name in ("script-src", "style-src"):  # strict without a nonce: nothing inline runs
            assert directives[name] == "'self'", (path, directives[name])


def test_the_shared_pages_render_no_inline_script_or_style_for_anyone(app, pages, make_user):
    author, _, paths = pages
    reader = make_user()
    for user in (None, author, reader):  # the author sees their own notices, a reader the flag form
        client = app.test_client()
        if user is not None:
            login(client, user)
        for path in paths:
            html = client.get(path).get_data(as_text=True)
            assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html).group(0))
            assert "<style" not in html.lower(), path
            assert "'nonce-" not in client.get(path).headers["Content-Security-Policy"]


def test_signed_in_and_token_readers_get_a_private_answer(app, pages):
    author, idea, paths = pages
    session_client = app.test_client()
    login(session_client, author)
    token = bearer(author)
    for path in paths:
        assert session_client.get(path).headers["Cache-Control"] == "private, no-cache", path
        assert app.test_client().get(path, headers=token).headers["Cache-Control"] == "private, no-cache"


def test_a_session_cookie_or_a_flash_keeps_the_answer_private(app, pages):
    _, idea, paths = pages
    client = app.test_client()
    with client.session_transaction() as session:  # an anonymous visitor who has opened a form
        session["csrf_token"] = "x" * 40
    assert client.get(paths[2]).headers["Cache-Control"] == "private, no-cache"
    broken_cursor = app.test_client().get(f"{paths[1]}?apres=cassé")  # flashes why, back to page 1
    assert broken_cursor.status_code == 200
    assert broken_cursor.headers["Cache-Control"] == "private, no-cache"
    assert "Set-Cookie" in broken_cursor.headers


def test_other_answers_of_these_views_are_private(app, pages):
    _, idea, paths = pages
    missing = app.test_client().get(f"/idees/{idea.id + 1000}")
    assert missing.status_code == 404 and "public" not in missing.headers.get("Cache-Control", "")
    head = app.test_client().head(paths[2])
    assert head.status_code == 200 and head.headers["Cache-Control"].startswith("public")
