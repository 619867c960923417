"""SQL fragments shared by the grid refresh, the map queries and the benchmark (PostgreSQL)."""

from app.geo.tiles import MAX_LAT


def world_x_sql(lon):
    """SQL expression: Web Mercator x in [0, 1] of a longitude expression (same formula as tiles)."""
    return f"(({lon}) + 180.0) / 360.0"


def world_y_sql(lat):
    """SQL expression: Web Mercator y in [0, 1] of a latitude expression (same formula as tiles)."""
    clamped = f"sin(radians(greatest({-MAX_LAT}, least({MAX_LAT}, ({lat})))))"
    return f"(0.5 - ln((1 + {clamped}) / (1 - {clamped})) / (4 * pi()))"


def cell_x_sql(lon, level):
    """SQL expression: the level cell column of a longitude."""
    return f"floor({world_x_sql(lon)} * {2 ** int(level)})::int"


def cell_y_sql(lat, level):
    """SQL expression: the level cell row of a latitude."""
    return f"floor({world_y_sql(lat)} * {2 ** int(level)})::int"


ENVELOPE_SQL = "ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326)"


def bbox_params(bbox):
    """Bind parameters for ENVELOPE_SQL."""
    return {"minlon": bbox[0], "minlat": bbox[1], "maxlon": bbox[2], "maxlat": bbox[3]}
