"""nginx (Debian's package) with the site configuration of docker-compose.yml in front of the app:
a map tile is served from its cache to visitors whatever their cookies, and never mixes them."""

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from app.extensions import db
from app.maps.grid import rebuild_grid

pytestmark = [pytest.mark.committed]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROOT = Path(__file__).resolve().parents[2]
AREA = (2.805, 50.430, 2.835, 50.445)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx(live_server, tmp_path):
    """nginx on a free port, proxying to the live server with the compose file's site configuration."""
    site = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["configs"]["nginx_conf"]["content"]
    port = _free_port()
    site = (
        site.replace("$$", "$")
        .replace("http://web:8000", live_server.url)
        .replace("/var/cache/nginx/mapdata", str(tmp_path / "cache"))
        .replace("listen 80;", f"listen 127.0.0.1:{port};")
    )
    temp = " ".join(f"{name}_temp_path {tmp_path / name};" for name in ("client_body", "proxy"))
    conf = tmp_path / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must write the cache under tmp_path
    conf.write_text(
        f"{user}daemon on; pid {tmp_path / 'nginx.pid'}; error_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{ access_log off; {temp}\n{site}\n}}\n"
    )
    subprocess.run([NGINX, "-c", str(conf), "-p", str(tmp_path)], check=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run([NGINX, "-c", str(conf), "-p", str(tmp_path), "-s", "stop"], check=False)
        time.sleep(0.2)


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
