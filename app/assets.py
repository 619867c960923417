"""Fingerprinted static files: a content hash in every asset URL, served with a one-year immutable cache.

A small manifest is built at startup from the files themselves (our static/ folder and the vendored
Leaflet): `url_for('static', filename='js/api.js')` becomes `/static/js/api.<hash>.js`. The ES modules'
relative imports are fingerprinted the same way: served under its hashed URL, a module imports
`./api.<hash>.js` (its own hash covers its imports' hashes, so a change reaches every importer). A request for the current hash gets `Cache-Control: public, max-age=31536000, immutable`; the
plain name (or an outdated hash, from a page cached before a deploy) still answers, revalidated each time.
Nothing to build or commit: the manifest follows the files of the running release.
"""

import hashlib
import os
import re
from pathlib import Path

from flask import Response, send_from_directory

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
# Service workers and the like must keep a stable URL: never fingerprinted.
_UNHASHED = {"js/sw.js"}
# `import … from "./x.js"`, `export … from "./x.js"`, `import("./x.js")`: relative module specifiers.
_IMPORT = re.compile(rb"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([\w.-]+\.js)\2""")


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _hashed_name(name, digest):
    stem, ext = os.path.splitext(name)
    return f"{stem}.{digest}{ext}"


class Fingerprints:
    """The manifest of one folder served by one endpoint: real name -> fingerprinted name."""

    def __init__(self, endpoint, folder, suffixes=(".js", ".css", ".png", ".svg", ".woff2", ".webp")):
        self.endpoint = endpoint
        self.folder = Path(folder)
        self.suffixes = suffixes
        self.names = {}
        self.bodies = {}  # modules whose imports were rewritten to fingerprinted names
        self.scan()

    def scan(self):
        names, bodies, modules = {}, {}, {}
        for path in sorted(self.folder.rglob("*")):
            if not path.is_file() or path.suffix not in self.suffixes:
                continue
            name = path.relative_to(self.folder).as_posix()
            if name in _UNHASHED:
                continue
            if path.suffix == ".js" and _IMPORT.search(path.read_bytes()):
                modules[name] = path.read_bytes()
            else:
                names[name] = _hashed_name(name, _digest(path))

        def resolve(name, seen=()):
            # A module's hash is that of its text with its imports already fingerprinted.
            if name in names or name not in modules:
                return names.get(name)
            folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""

            def rewrite(match):
                dep = folder + match[3].decode()
                hashed = resolve(dep, (*seen, name)) if dep not in seen else None
                if not hashed:
                    return match[0]
                return match[1] + match[2] + b"./" + hashed.rsplit("/", 1)[-1].encode() + match[2]

            body = _IMPORT.sub(rewrite, modules[name])
            bodies[name] = body
            names[name] = _hashed_name(name, hashlib.sha256(body).hexdigest()[:12])
            return names[name]

        for name in modules:
            resolve(name)
        self.names, self.bodies = names, bodies

    def url_name(self, name):
        return self.names.get(name, name)

    def serve(self, filename):
        """The file for a fingerprinted or plain name, with the cache its URL deserves."""
        match = _HASHED.match(filename)
        real = f"{match['stem']}{match['ext']}" if match else filename
        if match and real not in self.names:
            real = filename  # a file whose own name happens to look hashed
        response = send_from_directory(self.folder, real, max_age=0)
        current = bool(match) and self.names.get(real) == filename
        if current and real in self.bodies:
            response = Response(self.bodies[real], mimetype="text/javascript")
            response.set_etag(filename)
        if current:
            response.headers["Cache-Control"] = IMMUTABLE
        else:
            response.headers["Cache-Control"] = REVALIDATE
        return response


def init_app(app):
    """Fingerprint static/ and the vendored Leaflet; rewrite their URLs and serve them (after blueprints)."""
    import xstatic.pkg.leaflet as xleaflet

    folders = {"static": app.static_folder}
    if "maps.leaflet_asset" in app.view_functions:
        folders["maps.leaflet_asset"] = xleaflet.BASE_DIR
    prints = {endpoint: Fingerprints(endpoint, folder) for endpoint, folder in folders.items()}
    app.extensions["fingerprints"] = prints

    @app.url_defaults
    def _fingerprint(endpoint, values):
        if endpoint in prints and "filename" in values:
            if app.debug:
                prints[endpoint].scan()  # files edited while the development server runs
            values["filename"] = prints[endpoint].url_name(values["filename"])

    for endpoint, fingerprints in prints.items():
        app.view_functions[endpoint] = fingerprints.serve
