"""nginx (Debian's package) with the site configuration of docker-compose.yml in front of the app
(devtools/stack.py, shared with `make capacity`): a map tile is served from its cache to visitors
whatever their cookies, and never mixes them."""

import urllib.request

import pytest

from app.extensions import db
from app.maps.grid import rebuild_grid
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
