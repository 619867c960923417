"""Parsing and validating `bbox=minlon,minlat,maxlon,maxlat` and `zoom=Z` query parameters."""

import math
from typing import NamedTuple

MAX_SPAN_DEG = 40.0  # a phone viewport down to zoom 4; a consultation map never needs more
MIN_ZOOM, MAX_ZOOM = 0, 20


def N_(message):
    """Marks a message for extraction (this module stays free of Flask): the caller translates it."""
    return message


class BBoxError(ValueError):
    """A bad map request parameter: `field` is the query parameter, `message` is French.

    `msgid` and `values` let the caller show it in the reader's language (gettext(msgid) % values)."""

    def __init__(self, field, msgid, **values):
        message = msgid % values if values else msgid
        super().__init__(message)
        self.field = field
        self.message = message
        self.msgid = msgid
        self.values = values


class BBox(NamedTuple):
    minlon: float
    minlat: float
    maxlon: float
    maxlat: float

    @property
    def width(self):
        return self.maxlon - self.minlon

    @property
    def height(self):
        return self.maxlat - self.minlat


def parse_bbox(raw):
    """BBox from "minlon,minlat,maxlon,maxlat" (WGS84 degrees), or BBoxError with a French message."""
    if raw is None or not str(raw).strip():
        raise BBoxError("bbox", N_("Le paramètre bbox est obligatoire (minlon,minlat,maxlon,maxlat)."))
    parts = str(raw).split(",")
    if len(parts) != 4:
        raise BBoxError("bbox", N_("La zone doit compter 4 nombres : minlon,minlat,maxlon,maxlat."))
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise BBoxError("bbox", N_("La zone doit compter 4 nombres : minlon,minlat,maxlon,maxlat.")) from None
    if not all(math.isfinite(v) for v in values):
        raise BBoxError("bbox", N_("La zone contient une valeur non numérique."))
    box = BBox(*values)
    _check_ranges(box)
    return box


def _check_ranges(box):
    if not (-180 <= box.minlon <= 180 and -180 <= box.maxlon <= 180):
        raise BBoxError("bbox", N_("Les longitudes doivent être comprises entre -180 et 180."))
    if not (-90 <= box.minlat <= 90 and -90 <= box.maxlat <= 90):
        raise BBoxError("bbox", N_("Les latitudes doivent être comprises entre -90 et 90."))
    if box.minlon >= box.maxlon or box.minlat >= box.maxlat:
        raise BBoxError(
            "bbox", N_("Le minimum doit être inférieur au maximum (minlon < maxlon, minlat < maxlat).")
        )
    if box.width > MAX_SPAN_DEG or box.height > MAX_SPAN_DEG:
        raise BBoxError(
            "bbox",
            N_("La zone demandée est trop grande (au plus %(span)s degrés de côté) : zoomez."),
            span=f"{MAX_SPAN_DEG:g}",
        )


def parse_zoom(raw):
    """Integer zoom level 0–20 (a fractional Leaflet zoom is floored), or BBoxError."""
    if raw is None or not str(raw).strip():
        raise BBoxError("zoom", N_("Le paramètre zoom est obligatoire (niveau de 0 à 20)."))
    try:
        value = float(raw)
    except ValueError:
        raise BBoxError("zoom", N_("Le zoom doit être un nombre entre 0 et 20.")) from None
    if not math.isfinite(value) or not MIN_ZOOM <= value <= MAX_ZOOM:
        raise BBoxError("zoom", N_("Le zoom doit être un nombre entre 0 et 20."))
    return int(math.floor(value))
