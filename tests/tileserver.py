"""A fake tile server for tests: a thread serving PNG tiles generated on the fly, recording requests."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image, ImageDraw

TILE_COLOUR = (230, 30, 200)  # a magenta no map layer uses: its pixels prove the tiles are printed
ATTRIBUTION = "© Tuiles de test Carte Commune"


def tile_png(z, x, y):
    image = Image.new("RGB", (256, 256), TILE_COLOUR)
    ImageDraw.Draw(image).line([(0, 128), (256, 128)], fill=(255, 255, 255), width=6)  # a « street »
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        parts = self.path.strip("/").split("/")
        self.server.requests.append((self.path, self.headers.get("User-Agent", "")))
        try:
            z, x, y = int(parts[-3]), int(parts[-2]), int(parts[-1].split(".")[0])
        except (ValueError, IndexError):
            self.send_error(404)
            return
        body = tile_png(z, x, y)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def tile_server(app, monkeypatch, tmp_path):
    """Serves tiles on 127.0.0.1 and points MAP_TILES_URL at it (fresh disk cache per test)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png"
    monkeypatch.setitem(app.config, "MAP_TILES_URL", server.url)
    monkeypatch.setitem(app.config, "MAP_TILES_ATTRIBUTION", ATTRIBUTION)
    monkeypatch.setitem(app.config, "MAP_TILES_CACHE_DIR", str(tmp_path / "tiles"))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def dead_tile_server(app, monkeypatch, tmp_path):
    """MAP_TILES_URL points at a port where nothing listens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAP_TILES_URL", f"http://127.0.0.1:{port}/tiles/{{z}}/{{x}}/{{y}}.png")
    monkeypatch.setitem(app.config, "MAP_TILES_ATTRIBUTION", ATTRIBUTION)
    monkeypatch.setitem(app.config, "MAP_TILES_CACHE_DIR", str(tmp_path / "tiles"))
    monkeypatch.setitem(app.config, "MAP_TILES_TIMEOUT", 2)


def tile_pixel_share(png_path, box=None):
    """Share of the pixels (in `box`, a PIL crop box) that have the tiles' colour, lightened or not."""
    image = Image.open(png_path).convert("RGB")
    if box:
        image = image.crop(box)
    pixels = list(image.getdata())
    hits = sum(1 for r, g, b in pixels if r > 190 and g < 120 and b > 160 and r - g > 100)
    return hits / len(pixels)
