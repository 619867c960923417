"""Keyset pagination helpers: opaque cursors and capped counts.

A cursor is the sort key of the last row shown (and its id), as base64url JSON: the next page is
`WHERE (key, id) < (:key, :id) ORDER BY key DESC, id DESC LIMIT n`, read from an index in the same
order, so page 1 000 costs what page 1 costs. Counting every match of a large list does not: counts
are exact up to COUNT_CAP and estimated beyond (and said so)."""

import base64
import binascii
import json
from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.errors import Invalid

COUNT_CAP = 1000
CURSOR_MAX = 300
BAD_CURSOR = _l("Ce lien de pagination n'est plus valable : revenez à la première page.")


def encode(kind, values):
    """An opaque cursor for the sort `kind` and the key `values` (ints, floats, str, datetimes)."""
    data = [kind, *(v.isoformat() if isinstance(v, datetime) else v for v in values)]
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor, kind, types):
    """The key values of `cursor` (made by `encode` for `kind`), converted by `types`; Invalid otherwise."""
    if not cursor:
        return None
    try:
        if len(cursor) > CURSOR_MAX:
            raise ValueError(cursor)
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, list) or data[0] != kind or len(data) != len(types) + 1:
            raise ValueError(cursor)
        return tuple(convert(value) for convert, value in zip(types, data[1:], strict=True))
    except (ValueError, TypeError, IndexError, binascii.Error, UnicodeDecodeError) as error:
        raise Invalid(BAD_CURSOR, fields={"cursor": [BAD_CURSOR]}, code="bad_cursor") from error


def integer(value):
    """A cursor's integer (bools and floats refused), within PostgreSQL's bigint range."""
    if type(value) is not int or abs(value) >= 2**63:
        raise ValueError(value)
    return value


def timestamp(value):
    """A cursor's timestamp (ISO 8601 with its offset)."""
    if not isinstance(value, str):
        raise ValueError(value)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(value)
    return parsed


def text(value):
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError(value)
    return value


def counted(capped):
    """(count, estimated) from a count capped at COUNT_CAP + 1."""
    if capped > COUNT_CAP:
        return COUNT_CAP, True
    return capped, False


def sql_order(columns, descending, after=None, before=None, prefix="k"):
    """(condition, ORDER BY, params, backwards) of a keyset page over SQL `columns` (last one unique).

    Paging back (`before`) reads the other way and the caller reverses the rows (`page_of`)."""
    backwards = before is not None
    cursor = before if backwards else after
    reading_desc = descending != backwards
    direction = "DESC" if reading_desc else "ASC"
    order = ", ".join(f"{column} {direction}" for column in columns)
    if cursor is None:
        return "TRUE", order, {}, backwards
    names = [f"{prefix}{i}" for i in range(len(columns))]
    condition = f"({', '.join(columns)}) {'<' if reading_desc else '>'} ({', '.join(':' + n for n in names)})"
    return condition, order, dict(zip(names, cursor, strict=True)), backwards


def page_of(rows, limit, kind, key, after=None, before=None):
    """(rows of the page in display order, next cursor, previous cursor) from `limit + 1` rows read.

    `key(row)` is the row's sort key as a tuple (ending with its id)."""
    rows = list(rows)
    more = len(rows) > limit
    rows = rows[:limit]
    if before is not None:
        rows.reverse()
    has_next = more if before is None else True
    has_previous = after is not None if before is None else more
    following = encode(kind, key(rows[-1])) if rows and has_next else None
    preceding = encode(kind, key(rows[0])) if rows and has_previous else None
    return rows, following, preceding
