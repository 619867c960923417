"""Street base maps for printed maps: tiles of the configured server, fetched server-side at render time.

The tile server's usage rules are kept: an identifying User-Agent, zooms within MAP_TILES_MIN/MAX_ZOOM,
at most MAP_PRINT_MAX_TILES tiles per map, an on-disk cache (MAP_TILES_CACHE_DIR, kept
MAP_TILES_CACHE_DAYS) and the attribution printed on the sheet. The mosaic (Web Mercator) is warped
onto the Lambert-93 frame of the drawing; any failure raises BasemapUnavailable and the caller draws
the map without streets, with a note.
"""

import hashlib
import html
import io
import math
import re
import time
import urllib.request
from pathlib import Path

from flask import current_app
from PIL import Image
from sqlalchemy import text

from app.extensions import db

TILE = 256
EARTH = 6378137.0


class BasemapUnavailable(Exception):
    """The base map could not be built (no tile server configured, or a tile could not be fetched)."""


def attribution():
    """The tile server's attribution as plain text (the setting may hold HTML entities)."""
    return html.unescape(current_app.config.get("MAP_TILES_ATTRIBUTION") or "").strip()


def tile_url(template, z, x, y):
    """A tile's URL as Leaflet builds it: {s} is a, b or c by (x + y), {r} (retina) is empty."""
    values = {"s": "abc"[(x + y) % 3], "z": str(z), "x": str(x), "y": str(y), "r": ""}
    return re.sub(r"\{([a-z]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def _cache_path(template, z, x, y):
    folder = hashlib.sha256(template.encode()).hexdigest()[:16]
    return Path(current_app.config["MAP_TILES_CACHE_DIR"]) / folder / str(z) / str(x) / f"{y}.png"


def fetch_tile(z, x, y):
    """One tile as a PIL image, from the disk cache when fresh, else from the tile server."""
    config = current_app.config
    template = config.get("MAP_TILES_URL")
    if not template:
        raise BasemapUnavailable("aucun serveur de tuiles configuré")
    path = _cache_path(template, z, x, y)
    max_age = config["MAP_TILES_CACHE_DAYS"] * 86400
    if path.exists() and time.time() - path.stat().st_mtime < max_age:
        return Image.open(io.BytesIO(path.read_bytes())).convert("RGB")
    request = urllib.request.Request(
        tile_url(template, z, x, y), headers={"User-Agent": config["MAP_TILES_USER_AGENT"]}
    )
    try:
        with urllib.request.urlopen(request, timeout=config["MAP_TILES_TIMEOUT"]) as response:  # noqa: S310
            data = response.read(2_000_000)
        image = Image.open(io.BytesIO(data)).convert("RGB")
    except (OSError, ValueError) as error:  # URLError, timeouts, HTTP errors, undecodable images
        raise BasemapUnavailable(f"tuile {z}/{x}/{y} : {error}") from error
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)
    return image


def _mercator_pixel(lon, lat, z):
    """Global pixel coordinates of a lon/lat point at zoom z."""
    scale = TILE * 2**z
    x = (lon + 180) / 360 * scale
    siny = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi)) * scale
    return x, y


def choose_zoom(corners, width_px, max_tiles):
    """The zoom whose pixels match the output resolution, within the server's limits and tile budget."""
    config = current_app.config
    lons, lats = [c[0] for c in corners], [c[1] for c in corners]
    ground = EARTH * math.radians(max(lons) - min(lons)) * math.cos(math.radians(sum(lats) / 4))
    metres_per_px = max(ground, 1) / max(width_px, 1)
    zoom = math.floor(
        math.log2(2 * math.pi * EARTH * math.cos(math.radians(sum(lats) / 4)) / (TILE * metres_per_px))
    )
    zoom = max(config["MAP_TILES_MIN_ZOOM"], min(config["MAP_TILES_MAX_ZOOM"], zoom))
    while zoom > config["MAP_TILES_MIN_ZOOM"] and len(_tile_range(corners, zoom)) > max_tiles:
        zoom -= 1
    return zoom


def _tile_range(corners, z):
    pixels = [_mercator_pixel(lon, lat, z) for lon, lat in corners]
    x0, x1 = int(min(p[0] for p in pixels) // TILE), int(max(p[0] for p in pixels) // TILE)
    y0, y1 = int(min(p[1] for p in pixels) // TILE), int(max(p[1] for p in pixels) // TILE)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def lambert93_corners(bbox):
    """lon/lat of the NW, SW, SE and NE corners of a Lambert-93 bbox (PostGIS projects them)."""
    minx, miny, maxx, maxy = bbox
    rows = db.session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT n, ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 2154), 4326) p"
            " FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS t(x, y, n)) s ORDER BY n"
        ),
        {"xs": [minx, minx, maxx, maxx], "ys": [maxy, miny, miny, maxy]},
    ).all()
    return [tuple(row) for row in rows]


def render(bbox, width_px, height_px, max_tiles=None):
    """The base map under a Lambert-93 bbox as an RGB image of width_px × height_px, or BasemapUnavailable."""
    if not current_app.config.get("MAP_TILES_URL"):
        raise BasemapUnavailable("aucun serveur de tuiles configuré")
    corners = lambert93_corners(bbox)
    zoom = choose_zoom(corners, width_px, max_tiles or current_app.config["MAP_PRINT_MAX_TILES"])
    tiles = _tile_range(corners, zoom)
    xs, ys = [t[0] for t in tiles], [t[1] for t in tiles]
    mosaic = Image.new("RGB", ((max(xs) - min(xs) + 1) * TILE, (max(ys) - min(ys) + 1) * TILE), "white")
    for x, y in tiles:
        mosaic.paste(
            fetch_tile(zoom, x, y).resize((TILE, TILE)), ((x - min(xs)) * TILE, (y - min(ys)) * TILE)
        )
    origin = (min(xs) * TILE, min(ys) * TILE)
    quad = []
    for lon, lat in corners:  # NW, SW, SE, NE: the order PIL's QUAD transform expects
        px, py = _mercator_pixel(lon, lat, zoom)
        quad += [px - origin[0], py - origin[1]]
    warped = mosaic.transform((width_px, height_px), Image.Transform.QUAD, quad, Image.Resampling.BILINEAR)
    return Image.blend(
        warped, Image.new("RGB", warped.size, "white"), 0.18
    )  # lighter: the drawing reads on top
