"""nginx (Debian's package) with the site configuration of docker-compose.yml in front of the app
(devtools/stack.py, shared with `make capacity`): a map tile is served from its cache to visitors
whatever their cookies, and never mixes them; the pages the app says are the same for every anonymous
visitor are served from it to anonymous visitors only (app/shared_pages.py)."""

import urllib.request

import pytest

from app.extensions import db
from app.maps.grid import rebuild_grid
from app.shared_pages import SHARED_ATTRIBUTE
from devtools.stack import Nginx

pytestmark = [pytest.mark.committed]
AREA = (2.805, 50.430, 2.835, 50.445)


@pytest.fixture
def nginx(live_server):
    """nginx on a free port, proxying to the live server with the compose file's site configuration."""
    with Nginx(live_server.url) as proxy:
        yield proxy.url


def _get(url, **headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_nginx_serves_tiles_from_its_cache_to_everyone(nginx, make_consultation, make_user, seed_points):
    consultation = make_consultation()
    seed_points(consultation, 100, AREA)
    rebuild_grid(consultation.id)
    db.session.commit()
    url = f"{nginx}/api/consultations/{consultation.slug}/map/13/4160/2762"
    status, first, body = _get(url)
    assert status == 200 and first["X-Cache-Status"] == "MISS" and "Set-Cookie" not in first
    status, again, same = _get(url, Cookie="session=quelqu-un-de-connecte")
    assert status == 200 and again["X-Cache-Status"] == "HIT" and same == body
    status, revalidated, empty = _get(url, **{"If-None-Match": first["ETag"]})
    assert status == 304 and empty == b""


def _session_cookie(app, user):
    """A real signed session cookie of `user` (as the login view leaves it)."""
    value = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": user.get_id(), "_fresh": True}
    )
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={value}"


def test_nginx_shares_anonymous_pages_and_never_a_signed_in_one(
    app, nginx, make_consultation, make_contribution, make_user
):
    consultation = make_consultation()
    author = make_user()
    idea = make_contribution(consultation, author=author, title="Des bancs devant la médiathèque")
    pending = make_contribution(consultation, author=author, status="pending", title="Un abri vélo couvert")
    url = f"{nginx}/idees/{idea.id}"
    status, first, body = _get(url)
    assert status == 200 and first["X-Cache-Status"] == "MISS" and "Set-Cookie" not in first
    status, again, same = _get(url)
    assert status == 200 and again["X-Cache-Status"] == "HIT" and same == body
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]  # no nonce to share
    # signed in: never the shared copy, their own page (the CSRF token of their session, their actions)
    cookie = _session_cookie(app, author)
    status, own, mine = _get(url, Cookie=cookie)
    assert status == 200 and own["X-Cache-Status"] == "BYPASS" and b'name="csrf-token"' in mine
    assert b'name="csrf-token"' not in body
    status, own, mine = _get(f"{nginx}/idees/{pending.id}", Cookie=cookie)
    assert status == 200 and "Un abri vélo couvert" in mine.decode()  # their pending idea, at once
    status, anonymous, _ = _get(f"{nginx}/idees/{pending.id}")
    assert status == 404 and anonymous["X-Cache-Status"] == "MISS"
    assert _get(f"{nginx}/idees/{pending.id}")[1]["X-Cache-Status"] == "MISS"  # a 404 is not kept
    # the list and the home page are shared too; a page not marked shared is never kept
    for path in (f"/consultations/{consultation.slug}/idees", "/"):
        assert [_get(nginx + path)[1]["X-Cache-Status"] for _ in range(2)] == ["MISS", "HIT"], path
    assert not getattr(app.view_functions["consultations.show"], SHARED_ATTRIBUTE, False)
    page = f"{nginx}/consultations/{consultation.slug}"
    assert [_get(page)[1]["X-Cache-Status"] for _ in range(2)] == ["MISS", "MISS"]
