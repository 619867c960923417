"""Benchmarks (`make bench`): synthetic data at 100k and 1M contributions."""

import os as _os

# Benchmarks only talk to this machine: no tile server, no national address API (before app.config reads them).
_os.environ.setdefault("MAP_TILES_URL", "")
_os.environ.setdefault("GEOCODER_URL", "http://127.0.0.1:9")
