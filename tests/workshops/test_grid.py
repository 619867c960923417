"""The reference grid: square cells over the perimeter, A1 at the north-west, both ways."""

import pytest

from app.workshops.grid import CELL_STEP_M, Grid, GridRefError

BBOX = (684_000.0, 7_036_000.0, 688_100.0, 7_039_200.0)  # ~4.1 km × 3.2 km, Lambert-93


@pytest.fixture
def grid():
    return Grid.covering(*BBOX)


def test_grid_covers_the_bbox_with_square_cells_of_round_size(grid):
    minx, miny, maxx, maxy = grid.bounds
    assert minx <= BBOX[0] and miny <= BBOX[1] and maxx >= BBOX[2] and maxy >= BBOX[3]
    assert grid.cell % CELL_STEP_M == 0
    assert (grid.cols, grid.rows) == (8, 6)
    assert grid.column_labels() == list("ABCDEFGH")
    assert grid.row_labels() == ["1", "2", "3", "4", "5", "6"]
    # the smallest round size that covers: one step less would not
    assert grid.cell - CELL_STEP_M < max((BBOX[2] - BBOX[0]) / 8, (BBOX[3] - BBOX[1]) / 6) * 1.06


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
    assert tiny.cell == CELL_STEP_M
