"""The GeoPackage RTree spatial index, built beside the batched appends (with GDAL's own DDL).

Appending batch after batch to an indexed layer updates the RTree through triggers row by row,
which doubled the writing time. So layers are written without index while a thread fills an
RTree in a temporary SQLite file from each batch's bounds (fids are 1..n in insertion order in a
new table); at the end its nodes are copied into the GeoPackage with the triggers and the
gpkg_extensions row GDAL would have written. If the fids do not match, the index is rebuilt from
the layer itself (`add_spatial_index`)."""

import os
import queue
import sqlite3
import threading
from contextlib import closing

import numpy as np
import pyogrio
import shapely

CHUNK = 50_000
EXTENSION = "http://www.geopackage.org/spec120/#extension_rtree"
EXTENSIONS_TABLE = (  # GeoPackage 1.2, table 17
    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,"
    " extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
    " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"
)
TRIGGERS = (
    'CREATE TRIGGER "{r}_insert" AFTER INSERT ON "{t}" WHEN (new."{g}" NOT NULL AND NOT ST_IsEmpty(NEW."{g}"))'
    ' BEGIN INSERT OR REPLACE INTO "{r}" VALUES (NEW."{f}",ST_MinX(NEW."{g}"), ST_MaxX(NEW."{g}"),'
    'ST_MinY(NEW."{g}"), ST_MaxY(NEW."{g}")); END',
    'CREATE TRIGGER "{r}_update6" AFTER UPDATE OF "{g}" ON "{t}" WHEN OLD."{f}" = NEW."{f}" AND'
    ' (NEW."{g}" NOTNULL AND NOT ST_IsEmpty(NEW."{g}")) AND (OLD."{g}" NOTNULL AND NOT ST_IsEmpty(OLD."{g}"))'
    ' BEGIN UPDATE "{r}" SET minx = ST_MinX(NEW."{g}"), maxx = ST_MaxX(NEW."{g}"),miny = ST_MinY(NEW."{g}"),'
    ' maxy = ST_MaxY(NEW."{g}") WHERE id = NEW."{f}";END',
    'CREATE TRIGGER "{r}_update7" AFTER UPDATE OF "{g}" ON "{t}" WHEN OLD."{f}" = NEW."{f}" AND'
    ' (NEW."{g}" NOTNULL AND NOT ST_IsEmpty(NEW."{g}")) AND (OLD."{g}" ISNULL OR ST_IsEmpty(OLD."{g}"))'
    ' BEGIN INSERT INTO "{r}" VALUES (NEW."{f}",ST_MinX(NEW."{g}"), ST_MaxX(NEW."{g}"),ST_MinY(NEW."{g}"),'
    ' ST_MaxY(NEW."{g}")); END',
    'CREATE TRIGGER "{r}_update2" AFTER UPDATE OF "{g}" ON "{t}" WHEN OLD."{f}" = NEW."{f}" AND'
    ' (NEW."{g}" ISNULL OR ST_IsEmpty(NEW."{g}")) BEGIN DELETE FROM "{r}" WHERE id = OLD."{f}"; END',
    'CREATE TRIGGER "{r}_update5" AFTER UPDATE ON "{t}" WHEN OLD."{f}" != NEW."{f}" AND'
    ' (NEW."{g}" NOTNULL AND NOT ST_IsEmpty(NEW."{g}")) BEGIN DELETE FROM "{r}" WHERE id = OLD."{f}";'
    ' INSERT OR REPLACE INTO "{r}" VALUES (NEW."{f}",ST_MinX(NEW."{g}"), ST_MaxX(NEW."{g}"),'
    'ST_MinY(NEW."{g}"), ST_MaxY(NEW."{g}")); END',
    'CREATE TRIGGER "{r}_update4" AFTER UPDATE ON "{t}" WHEN OLD."{f}" != NEW."{f}" AND'
    ' (NEW."{g}" ISNULL OR ST_IsEmpty(NEW."{g}")) BEGIN DELETE FROM "{r}" WHERE id IN (OLD."{f}", NEW."{f}"); END',
    'CREATE TRIGGER "{r}_delete" AFTER DELETE ON "{t}" WHEN old."{g}" NOT NULL'
    ' BEGIN DELETE FROM "{r}" WHERE id = OLD."{f}"; END',
)


PRAGMAS = ("journal_mode = OFF", "synchronous = OFF", "cache_size = -32768")  # 32 MiB page cache


class RTreeBuilder:
    """Fills an RTree in a temporary SQLite file, in a thread, from the batches written to a layer."""

    def __init__(self, path):
        self.path = path
        self.count = 0
        self.error = None
        self._queue = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def add(self, wkb_values):
        """Queue the bounds of the next features (fids follow the insertion order)."""
        geometries = shapely.from_wkb(np.fromiter(wkb_values, dtype=object, count=len(wkb_values)))
        bounds = shapely.bounds(geometries)
        first = self.count + 1
        self.count += len(bounds)
        self._queue.put((first, bounds))

    def _run(self):
        try:
            with closing(sqlite3.connect(self.path)) as db:
                for pragma in PRAGMAS:
                    db.execute(f"PRAGMA {pragma}")
                db.execute("CREATE VIRTUAL TABLE rt USING rtree(id, minx, maxx, miny, maxy)")
                while (item := self._queue.get()) is not None:
                    first, bounds = item
                    minx, miny, maxx, maxy = (bounds[:, i].tolist() for i in range(4))
                    fids = range(first, first + len(minx))
                    db.executemany(
                        "INSERT INTO rt VALUES (?, ?, ?, ?, ?)",
                        zip(fids, minx, maxx, miny, maxy, strict=True),
                    )
                db.commit()
        except Exception as error:  # noqa: BLE001 - reported by finish(); keep draining the queue
            self.error = error
            while self._queue.get() is not None:
                pass

    def finish(self):
        self._queue.put(None)
        self._thread.join()

    def discard(self):
        """Stop the thread and delete the temporary file (the export failed)."""
        self.finish()
        if os.path.exists(self.path):
            os.remove(self.path)


def install_index(path, layer, builder, geometry="geom", fid="fid"):
    """Copy the builder's RTree into the GeoPackage as `layer`'s spatial index (or rebuild it)."""
    builder.finish()
    try:
        with closing(sqlite3.connect(path)) as db:
            count, last = db.execute(f'SELECT count(*), max("{fid}") FROM "{layer}"').fetchone()
        if builder.error is not None or count != builder.count or (last or 0) != count:
            return add_spatial_index(path, layer, count, geometry, fid)
        names = {"t": layer, "g": geometry, "f": fid, "r": f"rtree_{layer}_{geometry}"}
        with closing(sqlite3.connect(path)) as db:
            db.execute('CREATE VIRTUAL TABLE "{r}" USING rtree(id, minx, maxx, miny, maxy)'.format(**names))
            db.execute("ATTACH ? AS built", (builder.path,))
            for shadow in ("node", "rowid", "parent"):
                db.execute(f'DELETE FROM "{names["r"]}_{shadow}"')
                db.execute(f'INSERT INTO "{names["r"]}_{shadow}" SELECT * FROM built."rt_{shadow}"')
            db.commit()
            db.execute("DETACH built")
            _register(db, names)
        return None
    finally:
        if os.path.exists(builder.path):
            os.remove(builder.path)


def _register(db, names):
    for trigger in TRIGGERS:
        db.execute(trigger.format(**names))
    db.execute(EXTENSIONS_TABLE)
    db.execute(
        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)"
        " VALUES (?, ?, 'gpkg_rtree_index', ?, 'write-only')",
        (names["t"], names["g"], EXTENSION),
    )
    db.commit()


def add_spatial_index(path, layer, count, geometry="geom", fid="fid"):
    """Create and fill the RTree index of `layer` (`count` features), chunk by chunk."""
    names = {"t": layer, "g": geometry, "f": fid, "r": f"rtree_{layer}_{geometry}"}
    insert = 'INSERT INTO "{r}" VALUES (?, ?, ?, ?, ?)'.format(**names)
    with closing(sqlite3.connect(path)) as db:
        # A temporary file until complete (renamed at the end): no journal, no fsync, a large cache.
        for pragma in PRAGMAS:
            db.execute(f"PRAGMA {pragma}")
        db.execute('CREATE VIRTUAL TABLE "{r}" USING rtree(id, minx, maxx, miny, maxy)'.format(**names))
        db.commit()
        for offset in range(0, count, CHUNK):
            fids, bounds = pyogrio.read_bounds(path, layer=layer, skip_features=offset, max_features=CHUNK)
            minx, miny, maxx, maxy = (values.tolist() for values in bounds)
            db.executemany(insert, zip(fids.tolist(), minx, maxx, miny, maxy, strict=True))
            db.commit()
        _register(db, names)
