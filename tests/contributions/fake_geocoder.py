"""A local fake of the BAN geocoder (same protocol, recorded-style answers); never the real service."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def feature(lon, lat, label, citycode, housenumber=None, street=None, score=0.9, type_="housenumber"):
    """A feature as api-adresse.data.gouv.fr answers it."""
    name = f"{housenumber} {street}" if housenumber else street
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "label": label,
            "score": score,
            "housenumber": housenumber,
            "id": f"{citycode}_0001_{housenumber or '0000'}",
            "name": name,
            "postcode": "62300",
            "citycode": citycode,
            "x": 685000.0,
            "y": 7037000.0,
            "city": "Lens",
            "context": "62, Pas-de-Calais, Hauts-de-France",
            "type": type_,
            "importance": 0.6,
            "street": street,
        },
    }


class FakeGeocoder:
    """Answers /search/ with `search_features` and /reverse/ with `reverse_features`; `delay` seconds."""

    def __init__(self):
        self.search_features = []
        self.reverse_features = []
        self.delay = 0.0
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                url = urlparse(self.path)
                fake.requests.append((url.path, {k: v[0] for k, v in parse_qs(url.query).items()}))
                if fake.delay:
                    time.sleep(fake.delay)
                if url.path == "/search/":
                    features = fake.search_features
                elif url.path == "/reverse/":
                    features = fake.reverse_features
                else:
                    self.send_error(404)
                    return
                body = json.dumps(
                    {
                        "type": "FeatureCollection",
                        "version": "draft",
                        "features": features,
                        "attribution": "BAN",
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
