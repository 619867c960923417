"""Validation of a GeoJSON geometry sent by a resident (pure: no Flask, no database)."""

import math

import shapely
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from shapely.geometry import LineString, Point, Polygon

KIND_BY_TYPE = {"Point": "point", "LineString": "line", "Polygon": "polygon"}
KIND_LABELS = {"point": _l("un point"), "line": _l("une ligne"), "polygon": _l("une zone (polygone)")}
MAX_VERTICES = 500


class GeometryError(ValueError):
    """A French message explaining why the geometry is refused."""


def parse_geometry(data, allowed_kinds=("point",)):
    """A valid 2D shapely geometry from a GeoJSON geometry dict, or GeometryError (French)."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str) or "coordinates" not in data:
        raise GeometryError(
            _("Le lieu n'est pas une géométrie GeoJSON valide (attendu : type et coordinates).")
        )
    kind = KIND_BY_TYPE.get(data["type"])
    if kind is None:
        raise GeometryError(
            _(
                "Type de géométrie « %(value)s » non pris en charge : point, ligne (LineString) ou zone "
                "(Polygon).",
                value=str(data["type"])[:30],
            )
        )
    if kind not in allowed_kinds:
        accepted = ", ".join(str(KIND_LABELS[k]) for k in allowed_kinds)
        raise GeometryError(_("Cette concertation accepte seulement : %(accepted)s.", accepted=accepted))
    builder = {"point": _point, "line": _line, "polygon": _polygon}[kind]
    return builder(data["coordinates"])


def _position(value):
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise GeometryError(_("Chaque position doit être une paire [longitude, latitude]."))
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise GeometryError(_("Les coordonnées doivent être des nombres."))
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryError(_("Les coordonnées doivent être des nombres finis."))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(
            _(
                "Coordonnées hors limites : la longitude doit être entre -180 et 180, la latitude entre -90 et 90."
            )
        )
    return lon, lat


def _positions(values, minimum):
    if not isinstance(values, list | tuple) or len(values) < minimum:
        raise GeometryError(_("Il faut au moins %(minimum)s positions.", minimum=minimum))
    if len(values) > MAX_VERTICES:
        raise GeometryError(_("Trop de points : %(max_vertices)s au maximum.", max_vertices=MAX_VERTICES))
    return [_position(v) for v in values]


def _point(coordinates):
    return Point(_position(coordinates))


def _line(coordinates):
    line = LineString(_positions(coordinates, 2))
    if line.length == 0:
        raise GeometryError(_("La ligne doit relier au moins deux lieux différents."))
    return line


def _polygon(coordinates):
    if not isinstance(coordinates, list | tuple) or not coordinates:
        raise GeometryError(_("Le polygone doit avoir au moins un contour."))
    if len(coordinates) > 20:
        raise GeometryError(_("Le polygone a trop de contours."))
    rings = [_positions(ring, 4) for ring in coordinates]
    for ring in rings:
        if ring[0] != ring[-1]:
            raise GeometryError(_("Le contour du polygone doit être fermé (même premier et dernier point)."))
    polygon = Polygon(rings[0], rings[1:])
    if not polygon.is_valid:
        reason = shapely.is_valid_reason(polygon)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            raise GeometryError(_("Le contour du polygone se croise lui-même : redessinez la zone."))
        raise GeometryError(_("Le polygone n'est pas valide : redessinez la zone."))
    if polygon.area == 0:
        raise GeometryError(_("Le polygone est vide (surface nulle)."))
    return polygon
