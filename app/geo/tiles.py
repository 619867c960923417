"""Web Mercator maths: world coordinates in [0, 1), grid cells of a level (a level-L cell is a
zoom-L map tile), and the choice of the grid level for a viewport."""

import math

MAX_LAT = 85.0511287798
TILE_PX = 256
# Levels of the pre-aggregated grid; a level-L cell spans 256 * 2**(z - L) px at zoom z.
GRID_LEVELS = (5, 7, 9, 11, 13, 15, 17)
CELL_ZOOM_OFFSET = 3  # level = zoom + 3: cells of 32 px (up to 64 px when the level is skipped)
MAX_CELLS = 500


def world_x(lon):
    """Longitude to Web Mercator x in [0, 1]."""
    return (lon + 180.0) / 360.0


def world_y(lat):
    """Latitude to Web Mercator y in [0, 1] (0 at the north edge)."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    s = math.sin(math.radians(lat))
    return 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)


def lon_of(x):
    return x * 360.0 - 180.0


def lat_of(y):
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))


def cell_range(bbox, level):
    """(x0, y0, x1, y1): the inclusive range of level cells that the bbox touches."""
    n = 2**level
    minlon, minlat, maxlon, maxlat = bbox
    x0 = _clamp(math.floor(world_x(minlon) * n), n)
    x1 = _clamp(math.floor(world_x(maxlon) * n), n)
    y0 = _clamp(math.floor(world_y(maxlat) * n), n)
    y1 = _clamp(math.floor(world_y(minlat) * n), n)
    return x0, y0, x1, y1


def _clamp(value, n):
    return max(0, min(n - 1, value))


def cell_count(cells):
    x0, y0, x1, y1 = cells
    return (x1 - x0 + 1) * (y1 - y0 + 1)


def cells_envelope(cells, level):
    """(minlon, minlat, maxlon, maxlat) covered by an inclusive range of level cells."""
    x0, y0, x1, y1 = cells
    n = 2**level
    return lon_of(x0 / n), lat_of((y1 + 1) / n), lon_of((x1 + 1) / n), lat_of(y0 / n)


def grid_level(bbox, zoom, levels=GRID_LEVELS, max_cells=MAX_CELLS):
    """The finest stored level with cells of at least 32 px at `zoom` and at most `max_cells` in bbox."""
    target = zoom + CELL_ZOOM_OFFSET
    candidates = sorted((level for level in levels if level <= target), reverse=True) or [min(levels)]
    for level in candidates:
        if cell_count(cell_range(bbox, level)) <= max_cells:
            return level
    return min(levels)


def viewport_bbox(lon, lat, zoom, width_px=360, height_px=640):
    """(minlon, minlat, maxlon, maxlat) of a width×height px viewport centred on lon/lat at zoom."""
    scale = TILE_PX * 2**zoom
    cx, cy = world_x(lon) * scale, world_y(lat) * scale
    return (
        lon_of((cx - width_px / 2) / scale),
        lat_of((cy + height_px / 2) / scale),
        lon_of((cx + width_px / 2) / scale),
        lat_of((cy - height_px / 2) / scale),
    )
