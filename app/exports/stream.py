"""Streaming reads on the session's own psycopg connection, and job progress reporting.

Exports read through the connection of `db.session` (same transaction as the job, and as the test
in rolled-back tests) with server-side cursors, so memory does not grow with the row count."""

import contextlib
import queue
import threading
import time
import uuid

from rq import get_current_job
from sqlalchemy import update

from app.exports.models import Export
from app.extensions import db

BATCH_ROWS = 5000


def raw_connection():
    """The psycopg connection under the session's current transaction."""
    return db.session.connection().connection.dbapi_connection


def scalar(sql, params):
    with raw_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def fetch_all(sql, params):
    with raw_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def batches(sql, params, size=BATCH_ROWS):
    """Yield lists of at most `size` rows from a server-side (named) cursor, one batch ahead.

    A thread fetches the next batch while the caller writes the current one, so PostgreSQL computes
    rows while Python writes the file; at most two batches wait in memory."""
    connection = raw_connection()
    ready = queue.Queue(maxsize=1)
    stop = threading.Event()
    fetcher = threading.Thread(target=_fetch, args=(connection, sql, params, size, ready, stop), daemon=True)
    fetcher.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while fetcher.is_alive():  # unblock a fetcher waiting on a full queue
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.05)
        fetcher.join()


_DONE = object()


def _fetch(connection, sql, params, size, ready, stop):
    try:
        # Binary results: ints, floats, timestamps and WKB arrive without text parsing.
        with connection.cursor(name=f"export_{uuid.uuid4().hex[:12]}", binary=True) as cursor:
            cursor.itersize = size
            cursor.execute(sql, params)
            while not stop.is_set() and (rows := cursor.fetchmany(size)):
                ready.put(rows)
        ready.put(_DONE)
    except BaseException as error:  # noqa: BLE001 - handed to the consumer, which raises it
        ready.put(error)


def copy_out(sql, params, write, on_row):
    """COPY (sql) TO STDOUT: every chunk to `write`; `on_row()` per data row. Returns the row count."""
    with raw_connection().cursor() as cursor:
        with cursor.copy(sql, params) as copy:
            for chunk in copy:  # PostgreSQL sends one CopyData message per row
                write(chunk)
                on_row()
        return cursor.rowcount


class Progress:
    """Progress (0–100) of one export: in the RQ job's meta and on the Export row, throttled."""

    def __init__(self, export_id, total, interval=0.5):
        self.export_id = export_id
        self.total = max(int(total), 1)
        self.done = 0
        self.percent = 0
        self.interval = interval
        self._last = 0.0
        self.job = get_current_job()

    def add(self, rows=1):
        self.done += rows
        percent = min(99, self.done * 100 // self.total)
        if percent != self.percent and time.monotonic() - self._last >= self.interval:
            self.percent = percent
            self._publish()

    def _publish(self):
        self._last = time.monotonic()
        if self.job is not None:
            self.job.meta["progress"] = self.percent
            self.job.save_meta()
        # A separate short transaction: the export's own transaction holds the open cursors.
        with db.engine.connect() as connection:
            connection.execute(
                update(Export)
                .where(Export.id == self.export_id, Export.status == "started")
                .values(progress=self.percent)
            )
            connection.commit()
