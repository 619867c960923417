"""OGC API – Features query parameters: parsing and validation (pure, no Flask)."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import AppError

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LAMBERT93 = "http://www.opengis.net/def/crs/EPSG/0/2154"
CRS_SRIDS = {
    CRS84: 4326,
    LAMBERT93: 2154,
    "urn:ogc:def:crs:OGC:1.3:CRS84": 4326,
    "urn:ogc:def:crs:EPSG::2154": 2154,
    "EPSG:2154": 2154,
}
SRID_URIS = {4326: CRS84, 2154: LAMBERT93}
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ITEM_PARAMS = {
    "f",
    "bbox",
    "bbox-crs",
    "crs",
    "limit",
    "after",
    "datetime",
    "theme",
    "qpv",
    "filter",
    "filter-lang",
    "filter-crs",
}


class BadRequest(AppError):
    status = 400
    code = "bad_request"
    message = _l("Paramètre de requête invalide.")


def _invalid(name, message):
    return BadRequest(
        _("Paramètre « %(name)s » invalide : %(message)s", name=name, message=message),
        fields={name: [message]},
    )


@dataclass(frozen=True)
class ItemQuery:
    limit: int = DEFAULT_LIMIT
    after: int | None = None  # keyset paging: the last id of the previous page
    bbox: tuple | None = None
    bbox_srid: int = 4326
    srid: int = 4326
    start: datetime | None = None
    end: datetime | None = None
    themes: tuple = ()
    qpv_codes: tuple = ()
    filter_sql: str | None = None
    filter_params: dict | None = None


def check_known(args, allowed):
    """400 for a query parameter this API does not define (OGC /req/core/query-param-unknown)."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise _invalid(unknown[0], _("paramètre inconnu."))


def parse_crs(value, name="crs"):
    if value is None or value == "":
        return 4326
    srid = CRS_SRIDS.get(value.strip().strip("<>"))
    if srid is None:
        raise _invalid(
            name, _("systèmes proposés : %(crs84)s ou %(lambert93)s.", crs84=CRS84, lambert93=LAMBERT93)
        )
    return srid


def parse_int(value, name, default, minimum, maximum=None):
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise _invalid(name, _("un entier est attendu.")) from None
    if number < minimum:
        raise _invalid(name, _("au moins %(minimum)s.", minimum=minimum))
    return min(number, maximum) if maximum else number  # OGC: a server may cap the limit


def parse_bbox(value):
    """(minx, miny, maxx, maxy) from `a,b,c,d` (or 6 numbers with heights, ignored)."""
    if value is None or value == "":
        return None
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise _invalid("bbox", _("4 nombres séparés par des virgules.")) from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        raise _invalid("bbox", _("minx,miny,maxx,maxy avec min ≤ max."))
    return tuple(numbers)


def parse_datetime(value):
    """(start, end) in UTC, either bound None when open; an instant gives start == end."""
    if value is None or value == "":
        return None, None
    if "/" not in value:
        start, end = _instant(value, end_of_day=False), _instant(value, end_of_day=True)
        return start, end
    first, _slash, second = value.partition("/")
    start = None if first in ("", "..") else _instant(first, end_of_day=False)
    end = None if second in ("", "..") else _instant(second, end_of_day=True)
    if start is None and end is None:
        raise _invalid("datetime", _("un intervalle doit avoir au moins une borne."))
    if start and end and start > end:
        raise _invalid("datetime", _("la fin précède le début."))
    return start, end


def _instant(text, end_of_day):
    text = text.strip()
    if text[-1:] in ("T", "t"):  # GDAL 3.6 sends a date-only bound as « 2026-03-01T »
        text = text[:-1]
    try:
        if "T" not in text and "t" not in text:
            day = datetime.fromisoformat(text).date()
            moment = datetime.combine(day, time.min, tzinfo=UTC)
            return moment + timedelta(days=1, microseconds=-1) if end_of_day else moment
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(
            "datetime", _("date RFC 3339 attendue (2026-03-01T10:00:00Z ou 2026-03-01).")
        ) from None
    if moment.tzinfo is None:
        raise _invalid("datetime", _("précisez le fuseau (Z ou +01:00)."))
    return moment.astimezone(UTC)


def parse_item_query(args):
    """An ItemQuery from the items request's query string (a MultiDict)."""
    check_known(args.keys(), ITEM_PARAMS)
    from app.exports.ogc_cql import parse_filter

    start, end = parse_datetime(args.get("datetime"))
    filter_srid = parse_crs(args.get("filter-crs"), "filter-crs")
    filter_sql, filter_params = parse_filter(args.get("filter"), args.get("filter-lang"), filter_srid)
    after = args.get("after")
    return ItemQuery(
        limit=parse_int(args.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        after=None if after in (None, "") else parse_int(after, "after", 0, 0),
        bbox=parse_bbox(args.get("bbox")),
        bbox_srid=parse_crs(args.get("bbox-crs"), "bbox-crs"),
        srid=parse_crs(args.get("crs")),
        start=start,
        end=end,
        themes=_list(args.getlist("theme")),
        qpv_codes=_list(args.getlist("qpv")),
        filter_sql=filter_sql,
        filter_params=filter_params,
    )


def _list(values):
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())
