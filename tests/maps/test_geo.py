import math

import pytest

from app.geo.bbox import BBox, BBoxError, parse_bbox, parse_zoom
from app.geo.tiles import (
    GRID_LEVELS,
    MAX_CELLS,
    cell_count,
    cell_range,
    cells_envelope,
    grid_level,
    lat_of,
    viewport_bbox,
    world_y,
)


def test_a_good_bbox_is_parsed():
    assert parse_bbox(" 2.80,50.42, 2.84,50.44") == BBox(2.80, 50.42, 2.84, 50.44)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (None, "obligatoire"),
        ("", "obligatoire"),
        ("2.8,50.4,2.9", "4 nombres"),
        ("2.8,50.4,2.9,50.5,1", "4 nombres"),
        ("a,b,c,d", "4 nombres"),
        ("2.8,nan,2.9,50.5", "non numérique"),
        ("2.8,50.4,inf,50.5", "non numérique"),
        ("-181,50.4,2.9,50.5", "longitudes"),
        ("2.8,-91,2.9,50.5", "latitudes"),
        ("2.9,50.4,2.8,50.5", "inférieur"),
        ("2.8,50.5,2.9,50.5", "inférieur"),
        ("-30,40,11,50", "trop grande"),
        (",".join(str(v) for v in viewport_bbox(2.83, 50.43, 3)), "trop grande"),
    ],
)
def test_bad_bboxes_get_a_french_message(raw, fragment):
    with pytest.raises(BBoxError) as error:
        parse_bbox(raw)
    assert error.value.field == "bbox"
    assert fragment in error.value.message


def test_zoom_is_an_integer_between_0_and_20():
    assert parse_zoom("15") == 15
    assert parse_zoom("15.7") == 15  # Leaflet fractional zoom
    assert parse_zoom("0") == 0 and parse_zoom("20") == 20
    for raw in (None, "", "vingt", "21", "-1", "nan"):
        with pytest.raises(BBoxError) as error:
            parse_zoom(raw)
        assert error.value.field == "zoom"


def test_mercator_round_trip():
    for lat in (-60.0, 0.0, 43.3, 50.43, 70.0):
        assert math.isclose(lat_of(world_y(lat)), lat, abs_tol=1e-9)


@pytest.mark.parametrize("zoom", range(4, 16))
def test_a_phone_viewport_never_needs_more_than_500_cells(zoom):
    box = viewport_bbox(2.83, 50.43, zoom)
    parse_bbox(",".join(str(value) for value in box))
    level = grid_level(box, zoom)
    assert level in GRID_LEVELS
    assert cell_count(cell_range(box, level)) <= MAX_CELLS


def test_level_gives_cells_of_32_to_64_pixels_at_the_zooms_of_a_neighbourhood():
    for zoom in range(6, 16):
        level = grid_level(viewport_bbox(2.83, 50.43, zoom), zoom)
        assert 32 <= 256 * 2 ** (zoom - level) <= 64


def test_a_huge_viewport_at_high_zoom_falls_back_to_coarser_cells():
    box = BBox(-5.0, 41.0, 9.9, 51.5)  # a client claiming zoom 15 over the whole of France
    level = grid_level(box, 15)
    assert level < 17 and cell_count(cell_range(box, level)) <= MAX_CELLS


def test_cells_envelope_covers_the_bbox():
    box = BBox(2.80, 50.42, 2.84, 50.44)
    for level in GRID_LEVELS:
        minlon, minlat, maxlon, maxlat = cells_envelope(cell_range(box, level), level)
        assert minlon <= box.minlon and minlat <= box.minlat and maxlon >= box.maxlon and maxlat >= box.maxlat


def test_viewport_of_a_phone_is_360_by_640_pixels():
    minlon, minlat, maxlon, maxlat = viewport_bbox(2.83, 50.43, 16)
    assert math.isclose((maxlon - minlon) / 360 * 256 * 2**16, 360, rel_tol=1e-9)
    assert maxlat - minlat > maxlon - minlon  # portrait
