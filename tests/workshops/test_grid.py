"""The reference grid: square cells over the perimeter, A1 at the north-west, both ways."""

import pytest

from app.workshops.grid import CELL_SIZES_M, CELL_STEP_M, MAX_COLUMNS, MAX_ROWS, Grid, GridRefError

BBOX = (684_000.0, 7_036_000.0, 688_100.0, 7_039_200.0)  # ~4.1 km × 3.2 km, Lambert-93
QPV_BBOX = (684_000.0, 7_036_000.0, 685_600.0, 7_037_100.0)  # a QPV and its buffer: ~1.6 km × 1.1 km


@pytest.fixture
def grid():
    """An 8 × 6 grid of 500 m cells (labels and lookups do not depend on how it was sized)."""
    return Grid(minx=684_000, maxy=7_039_200, cell=500, cols=8, rows=6)


def test_a_qpv_gets_cells_of_150_to_300_metres():
    grid = Grid.covering(*QPV_BBOX)
    assert 150 <= grid.cell <= 300
    minx, miny, maxx, maxy = grid.bounds
    assert minx <= QPV_BBOX[0] and miny <= QPV_BBOX[1] and maxx >= QPV_BBOX[2] and maxy >= QPV_BBOX[3]
    assert grid.cols <= MAX_COLUMNS and grid.rows <= MAX_ROWS


def test_a_provisional_perimeter_of_several_km_gets_cells_of_300_metres_at_most():
    grid = Grid.covering(*BBOX)
    assert grid.cell <= 300 and grid.cell % CELL_STEP_M == 0
    minx, miny, maxx, maxy = grid.bounds
    assert minx <= BBOX[0] and miny <= BBOX[1] and maxx >= BBOX[2] and maxy >= BBOX[3]
    # the smallest listed size that covers within the limits: the one below would not
    smaller = [size for size in CELL_SIZES_M if size < grid.cell]
    if smaller:
        width, height = (BBOX[2] - BBOX[0]) * 1.06, (BBOX[3] - BBOX[1]) * 1.06
        assert width / smaller[-1] > MAX_COLUMNS or height / smaller[-1] > MAX_ROWS
    assert grid.cols <= MAX_COLUMNS and grid.rows <= MAX_ROWS


def test_a1_is_the_north_west_cell_and_h6_the_south_east(grid):
    minx, miny, maxx, maxy = grid.bounds
    assert grid.cell_bounds("A1") == (minx, maxy - grid.cell, minx + grid.cell, maxy)
    assert grid.cell_bounds("H6") == (maxx - grid.cell, miny, maxx, miny + grid.cell)
    # corners of the whole grid belong to the corner cells
    assert grid.ref_at(minx, maxy) == "A1"
    assert grid.ref_at(maxx, maxy) == "H1"
    assert grid.ref_at(minx, miny) == "A6"
    assert grid.ref_at(maxx, miny) == "H6"
    # just inside A1's south-east corner is still A1, just past it is B2
    x0, y0, x1, y1 = grid.cell_bounds("A1")
    assert grid.ref_at(x1 - 0.01, y0 + 0.01) == "A1"
    assert grid.ref_at(x1 + 0.01, y0 - 0.01) == "B2"


def test_every_cell_centre_maps_back_to_its_cell(grid):
    for ref in grid.refs():
        x, y = grid.centre(ref)
        x0, y0, x1, y1 = grid.cell_bounds(ref)
        assert x0 < x < x1 and y0 < y < y1
        assert grid.ref_at(x, y) == ref
    assert len(grid.refs()) == 48


@pytest.mark.parametrize("typed, expected", [("c4", "C4"), (" C 4 ", "C4"), ("C-4", "C4"), ("h6", "H6")])
def test_typed_references_are_normalised(grid, typed, expected):
    assert grid.normalise(typed) == expected


@pytest.mark.parametrize("typed", ["I1", "A7", "A0", "Z9", "C44"])
def test_references_outside_the_grid_are_refused_in_french(grid, typed):
    with pytest.raises(GridRefError, match="n'existe pas sur la carte : colonnes A à H, lignes 1 à 6"):
        grid.parse(typed)


@pytest.mark.parametrize("typed", ["", "4C", "CC", "C4D", "é4"])
def test_malformed_references_are_refused_in_french(grid, typed):
    with pytest.raises(GridRefError, match="n'est pas une case"):
        grid.parse(typed)


def test_points_outside_the_grid_have_no_reference(grid):
    minx, miny, maxx, maxy = grid.bounds
    assert grid.ref_at(minx - 1, maxy) is None
    assert grid.ref_at(maxx, miny - 1) is None


def test_a_tiny_perimeter_still_gets_readable_cells():
    tiny = Grid.covering(0, 0, 10, 10)
    assert tiny.cell == CELL_SIZES_M[0] and (tiny.cols, tiny.rows) == (1, 1)


def test_a_huge_perimeter_stays_within_the_letters():
    huge = Grid.covering(0, 0, 80_000, 60_000)
    assert huge.cols <= MAX_COLUMNS and huge.rows <= MAX_ROWS
    assert huge.maxx - huge.minx >= 80_000 and huge.maxy - huge.miny >= 60_000
