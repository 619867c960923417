"""The lettered/numbered reference grid of printed workshop maps (pure maths, Lambert-93 metres).

Columns are letters from the west (A, B, …), rows numbers from the north (1 at the top), as on a
street map: « A1 » is the north-west cell. Cells are sized to the perimeter (`cell_size_for`). The
same grid is printed on the A4 and A3 maps and typed into the facilitator screen, so it depends only on the consultation's perimeter.
"""

import math
import re
from dataclasses import dataclass

from flask_babel import gettext as _

# Cell sides tried in order: the smallest that covers the perimeter within MAX_COLUMNS × MAX_ROWS cells
# (about 150–300 m on a QPV, coarser only on large provisional perimeters). Round sizes read well on paper.
CELL_SIZES_M = (150, 200, 250, 300, 400, 500, 600, 750, 1000, 1250, 1500, 2000, 2500, 3000, 5000, 10000)
MAX_COLUMNS = 20
MAX_ROWS = 20
CELL_STEP_M = 50  # every cell size is a multiple of this
_REF = re.compile(r"^\s*([A-Za-z])\s*[-. ]?\s*(\d{1,2})\s*$")


def cell_size_for(width, height):
    """(cell, columns, rows): the smallest listed cell covering width × height within the limits."""
    for cell in CELL_SIZES_M:
        cols, rows = max(1, math.ceil(width / cell)), max(1, math.ceil(height / cell))
        if cols <= MAX_COLUMNS and rows <= MAX_ROWS:
            return cell, cols, rows
    cell = math.ceil(max(width / MAX_COLUMNS, height / MAX_ROWS) / CELL_STEP_M) * CELL_STEP_M
    return cell, MAX_COLUMNS, MAX_ROWS


class GridRefError(ValueError):
    """A reference that does not name a cell of the grid (message in French)."""


@dataclass(frozen=True)
class Grid:
    minx: float
    maxy: float
    cell: float
    cols: int
    rows: int

    @classmethod
    def covering(cls, minx, miny, maxx, maxy, margin=0.03):
        """A grid of square cells sized to a bbox (plus a small margin) and centred on it."""
        width = (maxx - minx) * (1 + 2 * margin)
        height = (maxy - miny) * (1 + 2 * margin)
        cell, cols, rows = cell_size_for(width, height)
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        # Whole metres: the same corners whatever the floating-point noise of the bbox.
        return cls(
            minx=round(cx - cell * cols / 2),
            maxy=round(cy + cell * rows / 2),
            cell=cell,
            cols=cols,
            rows=rows,
        )

    @property
    def maxx(self):
        return self.minx + self.cell * self.cols

    @property
    def miny(self):
        return self.maxy - self.cell * self.rows

    @property
    def bounds(self):
        return (self.minx, self.miny, self.maxx, self.maxy)

    def column_labels(self):
        return [chr(ord("A") + i) for i in range(self.cols)]

    def row_labels(self):
        return [str(i + 1) for i in range(self.rows)]

    def refs(self):
        """Every cell reference, row by row from A1."""
        return [f"{col}{row}" for row in self.row_labels() for col in self.column_labels()]

    def parse(self, ref):
        """(column index, row index) of a reference such as « C4 », « c 4 » or « C-4 »."""
        match = _REF.match(ref or "")
        if not match:
            raise GridRefError(
                _(
                    "« %(ref)s » n'est pas une case : tapez une lettre puis un chiffre, par exemple « C4 ».",
                    ref=ref,
                )
            )
        col = ord(match.group(1).upper()) - ord("A")
        row = int(match.group(2)) - 1
        if not (0 <= col < self.cols and 0 <= row < self.rows):
            last_col = self.column_labels()[-1]
            raise GridRefError(
                _(
                    "La case %(column)s%(row)s n'existe pas sur la carte : colonnes A à %(last_col)s, lignes "
                    "1 à %(rows)s.",
                    column=match.group(1).upper(),
                    row=row + 1,
                    last_col=last_col,
                    rows=self.rows,
                )
            )
        return col, row

    def normalise(self, ref):
        col, row = self.parse(ref)
        return f"{chr(ord('A') + col)}{row + 1}"

    def cell_bounds(self, ref):
        """(minx, miny, maxx, maxy) of a cell in Lambert-93 metres."""
        col, row = self.parse(ref)
        x0 = self.minx + col * self.cell
        y1 = self.maxy - row * self.cell
        return (x0, y1 - self.cell, x0 + self.cell, y1)

    def centre(self, ref):
        """(x, y) of the centre of a cell in Lambert-93 metres."""
        x0, y0, x1, y1 = self.cell_bounds(ref)
        return ((x0 + x1) / 2, (y0 + y1) / 2)

    def ref_at(self, x, y):
        """The reference of the cell containing (x, y), or None outside the grid."""
        if not (self.minx <= x <= self.maxx and self.miny <= y <= self.maxy):
            return None
        col = min(int((x - self.minx) // self.cell), self.cols - 1)
        row = min(int((self.maxy - y) // self.cell), self.rows - 1)
        return f"{chr(ord('A') + col)}{row + 1}"

    def corner_points(self):
        """Every grid line intersection (x, y), row-major from the north-west corner."""
        return [
            (self.minx + i * self.cell, self.maxy - j * self.cell)
            for j in range(self.rows + 1)
            for i in range(self.cols + 1)
        ]
