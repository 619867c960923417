"""Map data addressed by tile below the street zoom: the same bytes for every visitor, so that
browsers and nginx can cache them, with an ETag from the grid version (changes at each rebuild).

Tile {z}/{x}/{y} is the usual XYZ map tile; it holds the grid cells of the level that a viewport
at zoom z uses (the finest stored level <= z + 3), and a level-L cell lies in exactly one tile of
zoom z <= L, so the tiles of a viewport put together show the same aggregates as its bbox query."""

from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import text

from app.errors import NotFound
from app.geo.tiles import CELL_ZOOM_OFFSET, GRID_LEVELS
from app.maps.queries import STREET_ZOOM, _prepared, _read_connection, clusters_sql
from app.territory.identity import current_territory, sql_in_territory

TILE_MAX_ZOOM = STREET_ZOOM - 1
ETAG_FORMAT = "t1"  # bump when the tile payload format changes

VERSION_SQL = (
    "SELECT c.id, coalesce((extract(epoch FROM s.refreshed_at) * 1000000)::bigint, 0)"
    " FROM consultations c LEFT JOIN map_grid_state s ON s.consultation_id = c.id WHERE c.slug = :slug"
    f" AND {sql_in_territory('c')}"
)


class Tile(NamedTuple):
    z: int
    x: int
    y: int


def tile_level(z):
    """The grid level shown in a tile of zoom z (never coarser than the tile itself)."""
    finer = [level for level in GRID_LEVELS if z <= level <= z + CELL_ZOOM_OFFSET]
    return max(finer) if finer else min(level for level in GRID_LEVELS if level >= z)


def tile_cells(tile, level):
    """(x0, y0, x1, y1): the inclusive range of level cells inside the tile."""
    shift = level - tile.z
    return tile.x << shift, tile.y << shift, ((tile.x + 1) << shift) - 1, ((tile.y + 1) << shift) - 1


def grid_version(slug):
    """The ETag of a consultation's tiles (its grid's last rebuild), or NotFound."""
    row = (
        _read_connection()
        .execute(text(VERSION_SQL), {"slug": slug, "territory": current_territory()})
        .one_or_none()
    )
    if row is None:
        raise NotFound(_("Cette concertation n'existe pas."))
    return f"{ETAG_FORMAT}-{row[0]}-{row[1]}"


def tile_geojson(slug, tile, filters):
    """The GeoJSON text of the aggregates in one tile (one SQL statement)."""
    level = tile_level(tile.z)
    x0, y0, x1, y1 = tile_cells(tile, level)
    params = {
        "slug": slug,
        "territory": current_territory(),
        **filters,
        "level": level,
        "x0": x0,
        "y0": y0,
        "x1": x1,
        "y1": y1,
    }
    connection = _read_connection()
    with _prepared(connection):
        consultation_id, payload = connection.execute(text(clusters_sql(filters)), params).one()
    if consultation_id is None:
        raise NotFound(_("Cette concertation n'existe pas."))
    return payload
