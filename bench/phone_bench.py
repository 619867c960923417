"""Phone benchmark (`make bench`): the resident map page on a throttled low-end phone.

Chromium (360×640) with CDP throttling, CPU ×4, 150 ms latency, 1.6 Mbit/s down and 750 kbit/s up,
cache empty (a first visit), opens each NPNRU consultation's map served by gunicorn (2 workers, the
bench database) behind nginx with the production gzip settings (docker-compose.yml), as a resident
would reach it. Per page: the time until the ideas show (the `cc-ideas-drawn` performance mark the map
script sets when it has drawn its first data, from the navigation start), the gzipped JS+CSS
transferred, and how many map-data requests the first load made. Budgets: ideas ≤ 2.0 s, JS+CSS ≤
150 KiB gzipped, 1 map-data request."""

import gzip
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from bench import _data as data
from bench import _map_http as web
from bench._data import DATABASE_URL

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
ENV = {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "PYTHONDONTWRITEBYTECODE": "1"}
CHROMIUM = os.environ.get("BENCH_CHROMIUM", "/usr/bin/chromium")
ROUNDS = 3
IDEAS_BUDGET_MS = 2000
ASSETS_BUDGET_BYTES = 150 * 1024
THROTTLE = {
    "offline": False,
    "latency": 150,  # ms, each way of a round trip as Chrome DevTools' presets count it
    "downloadThroughput": 1_600_000 / 8,  # bytes/s
    "uploadThroughput": 750_000 / 8,
}
MAP_DATA = re.compile(r"/api/consultations/[^/]+/map(/\d+/\d+/\d+)?(\?|$)")
NGINX_CONF = """
daemon off;
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    gzip on;
    gzip_comp_level 5;
    gzip_min_length 512;
    gzip_types application/json application/geo+json text/css application/javascript text/javascript image/svg+xml;
    location / {{ proxy_pass http://127.0.0.1:{upstream}; proxy_set_header Host $host; }}
  }}
}}
"""


def run(args):
    """The map page on a throttled phone at each size of args.sizes; returns the figures (also printed)."""
    return data.run_sizes("phone_bench", ENV, args, _bench_size)


class Gzip:
    """nginx with the production gzip settings in front of gunicorn (none: gunicorn directly)."""

    def __init__(self, upstream):
        self.folder = tempfile.mkdtemp(prefix="cc-phone-bench-")
        self.port = web.free_port()
        self.process = None
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if nginx is None:
            self.port = upstream
            return
        conf = Path(self.folder) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=self.folder, port=self.port, upstream=upstream))
        self.process = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", self.folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                web.get(self.port, "/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("nginx n'a pas démarré à temps")

    @property
    def gzip(self):
        return self.process is not None

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def _bench_size(size):
    generated = data.ensure_size(ENV, size)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        slugs = [
            row[0]
            for row in conn.execute(
                "SELECT slug FROM consultations WHERE npnru_qpv_code IS NOT NULL ORDER BY slug"
            ).fetchall()
        ]
    server = web.Server(ENV)
    front = None
    try:
        server.wait_ready()
        front = Gzip(server.port)
        pages = {slug: _measure(front.port, slug) for slug in slugs}
    finally:
        if front is not None:
            front.stop()
        server.stop()
    worst_ms = max(page["ideas_ms_median"] for page in pages.values())
    worst_assets = max(page["js_css_gzip_bytes"] for page in pages.values())
    requests = sorted({n for page in pages.values() for n in page["map_requests_first_load"]})
    return {
        "data": generated,
        "gzip_by_nginx": front.gzip if front else False,
        "throttling": {"cpu_slowdown": 4, **THROTTLE},
        "pages": pages,
        "ideas_ms_worst_median": worst_ms,
        "js_css_gzip_kib_worst": round(worst_assets / 1024, 1),
        "map_requests_first_load": requests,
        "budgets": {
            "ideas_shown_within_2_0_s": worst_ms <= IDEAS_BUDGET_MS,
            "js_css_within_150_kib_gzip": worst_assets <= ASSETS_BUDGET_BYTES,
            "one_map_request_on_first_load": requests == [1],
        },
        "load_average": os.getloadavg(),
    }


def _measure(port, slug):
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{port}/consultations/{slug}/carte"
    timings, requests, assets = [], [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for _ in range(ROUNDS + 1):  # the first round warms the server (connections, plans)
                context = browser.new_context(
                    viewport={"width": 360, "height": 640}, device_scale_factor=2, locale="fr-FR"
                )
                page = context.new_page()
                page.set_default_timeout(30000)
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send("Network.emulateNetworkConditions", THROTTLE)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                sizes = {}
                cdp.on(
                    "Network.loadingFinished",
                    lambda event, sizes=sizes: sizes.__setitem__(
                        event["requestId"], event["encodedDataLength"]
                    ),
                )
                kinds = {}
                cdp.on(
                    "Network.responseReceived",
                    lambda event, kinds=kinds: kinds.__setitem__(
                        event["requestId"], (event["type"], event["response"]["url"])
                    ),
                )
                seen = []
                page.on(
                    "request", lambda r, seen=seen: seen.append(r.url) if MAP_DATA.search(r.url) else None
                )
                page.goto(url, wait_until="commit")
                page.wait_for_function("() => performance.getEntriesByName('cc-ideas-drawn').length > 0")
                drawn = page.evaluate("() => performance.getEntriesByName('cc-ideas-drawn')[0].startTime")
                page.wait_for_timeout(1500)  # a second map request would come within this
                timings.append(drawn)
                requests.append(len(seen))
                transferred = {
                    kinds[rid][1]: size
                    for rid, size in sizes.items()
                    if rid in kinds and kinds[rid][0] in ("Script", "Stylesheet")
                }
                assets = transferred
                context.close()
        finally:
            browser.close()
    timings, requests = timings[1:], requests[1:]
    # Gzipped size of each JS/CSS file (what nginx sends), whatever the server in front did.
    gzipped = {}
    for asset_url in assets:
        path = asset_url.split(f":{port}", 1)[-1]
        status, body = web.get(port, path)
        if status == 200:
            gzipped[path] = len(gzip.compress(body, 5))
    return {
        "ideas_ms": [round(t) for t in timings],
        "ideas_ms_median": round(statistics.median(timings)),
        "js_css_transferred_bytes": sum(assets.values()),
        "js_css_gzip_bytes": sum(gzipped.values()),
        "js_css_files": gzipped,
        "map_requests_first_load": sorted(set(requests)),
    }
