"""OGC API – Features Part 3 filters: CQL2 text or JSON (pygeofilter's parsers) to SQL on `c`.

Only the queryables below can be named; every literal becomes a bound parameter, so the SQL text
comes from this module alone. Dates without a time are midnight UTC (the service speaks UTC)."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import shapely
import shapely.geometry
from flask_babel import gettext as _
from pygeofilter import ast, values

from app.exports.ogc_params import BadRequest
from app.exports.sql import masked

# GDAL 3.6 announces the CQL text draft as « cql-text »: the same grammar for what it sends.
LANGUAGES = ("cql2-text", "cql2-json", "cql-text")


@dataclass(frozen=True)
class Queryable:
    expr: str
    kind: str  # string, integer, date-time, geometry
    title: str


QUERYABLES = {
    "id": Queryable("c.id", "integer", "Identifiant"),
    "theme": Queryable("c.theme_slug", "string", "Thème (slug)"),
    "theme_libelle": Queryable("t.label", "string", "Thème"),
    "qpv_code": Queryable("c.qpv_code", "string", "Code du quartier prioritaire"),
    "qpv_nom": Queryable("q.name", "string", "Quartier prioritaire"),
    "commune_insee": Queryable("c.commune_insee", "string", "Code INSEE de la commune"),
    "commune": Queryable("cm.name", "string", "Commune"),
    "suite_donnee": Queryable("c.outcome", "string", "Suite donnée"),
    "source": Queryable("c.source", "string", "Origine (web, atelier, borne)"),
    "titre": Queryable(masked("c.title"), "string", "Titre"),
    "votes_pour": Queryable(
        "CASE WHEN co.voting_mode = 'support' THEN NULL ELSE c.agree_count END", "integer", "Votes pour"
    ),
    "votes_contre": Queryable(
        "CASE WHEN co.voting_mode = 'support' THEN NULL ELSE c.disagree_count END", "integer", "Votes contre"
    ),
    "soutiens": Queryable(
        "CASE WHEN co.voting_mode = 'support' THEN c.agree_count END", "integer", "Soutiens"
    ),
    "atelier_pour": Queryable("c.workshop_agree_count", "integer", "Votes pour en atelier"),
    "atelier_contre": Queryable("c.workshop_disagree_count", "integer", "Votes contre en atelier"),
    "commentaires": Queryable("c.comment_count", "integer", "Commentaires publiés"),
    "cree_le": Queryable("c.created_at", "date-time", "Déposée le (UTC)"),
    "publie_le": Queryable("c.published_at", "date-time", "Publiée le (UTC)"),
    "geometry": Queryable("c.geom", "geometry", "Géométrie"),
}
COMPARISONS = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
    ast.TimeBefore: "<",
    ast.TimeAfter: ">",
    ast.TimeEquals: "=",
}


def invalid(message):
    return BadRequest(
        _("Paramètre « filter » invalide : %(message)s", message=message), fields={"filter": [message]}
    )


def parse_filter(text, language, filter_srid=4326):
    """(SQL condition, params) of a CQL2 filter, or (None, {}) without one; 400 when invalid."""
    language = language or "cql2-text"
    if language not in LANGUAGES:
        raise BadRequest(
            _("Paramètre « filter-lang » invalide : cql2-text ou cql2-json."),
            fields={"filter-lang": [_("cql2-text ou cql2-json")]},
        )
    if not text:
        return None, {}
    # Imported on the first filter: the text grammar is compiled at import (~0.3 s).
    from pygeofilter.parsers.cql2_json import parse as parse_json
    from pygeofilter.parsers.cql2_text import parse as parse_text

    try:
        node = parse_json(json.loads(text)) if language == "cql2-json" else parse_text(text)
    except BadRequest:
        raise
    except Exception:  # noqa: BLE001 - lark, json and pygeofilter raise many kinds
        raise invalid("expression CQL2 illisible.") from None
    translator = _Translator(filter_srid)
    return translator.condition(node), translator.params


class _Translator:
    """Walks pygeofilter's AST and writes SQL with numbered parameters."""

    def __init__(self, srid):
        self.srid = srid
        self.params = {}

    def bind(self, value):
        name = f"cql_{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def condition(self, node):
        if isinstance(node, ast.And | ast.Or):
            word = "AND" if isinstance(node, ast.And) else "OR"
            return f"({self.condition(node.lhs)} {word} {self.condition(node.rhs)})"
        if isinstance(node, ast.Not):
            return f"(NOT {self.condition(node.sub_node)})"
        if type(node) in COMPARISONS:
            return self._comparison(node)
        if isinstance(node, ast.Between):
            return self._between(node)
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.In):
            queryable, expr = self.attribute(node.lhs)
            items = [self.literal(queryable, item) for item in node.sub_nodes]
            sql = f"{expr} = ANY({self.bind(items)})"
            return f"(NOT ({sql}))" if node.not_ else f"({sql})"
        if isinstance(node, ast.IsNull):
            _name, expr = self.attribute(node.lhs)
            return f"({expr} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.GeometryIntersects):
            return self._intersects(node)
        if isinstance(node, ast.Include):
            return "TRUE"
        raise invalid(_("opération non prise en charge (%(operation)s).", operation=type(node).__name__))

    def attribute(self, node):
        """(Queryable, SQL expression) of a property, maybe inside lower()/casei()."""
        if isinstance(node, ast.Function) and node.name.lower() in ("lower", "casei") and node.arguments:
            queryable, expr = self.attribute(node.arguments[0])
            if queryable.kind != "string":
                raise invalid(_("CASEI porte sur une propriété texte."))
            return queryable, f"lower({expr})"
        if not isinstance(node, ast.Attribute):
            raise invalid(_("le premier terme d'une comparaison doit être une propriété."))
        queryable = QUERYABLES.get(node.name)
        if queryable is None:
            names = ", ".join(sorted(QUERYABLES))
            raise invalid(
                _("propriété inconnue « %(name)s » (propriétés : %(names)s).", name=node.name, names=names)
            )
        return queryable, queryable.expr

    def literal(self, queryable, value):
        """A literal coerced to the property's type (400 when it cannot be)."""
        if isinstance(value, ast.Function) and value.name.lower() in ("lower", "casei") and value.arguments:
            value = self.literal(queryable, value.arguments[0])
            return value.lower() if isinstance(value, str) else value
        if queryable.kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise invalid(_("un nombre est attendu."))
            try:
                return int(value) if float(value) == int(float(value)) else float(value)
            except (ValueError, OverflowError):
                raise invalid(_("un nombre est attendu.")) from None
        if queryable.kind == "date-time":
            return instant(value)
        if (
            queryable.kind == "string"
            and isinstance(value, str | int | float)
            and not isinstance(value, bool)
        ):
            return str(value)
        raise invalid(_("valeur de type inattendu."))

    def _comparison(self, node):
        lhs, rhs, op = node.lhs, node.rhs, COMPARISONS[type(node)]
        if not _is_property(lhs) and _is_property(rhs):  # 5 < votes_pour
            lhs, rhs = rhs, lhs
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        queryable, expr = self.attribute(lhs)
        return f"({expr} {op} {self.bind(self.literal(queryable, rhs))})"

    def _between(self, node):
        queryable, expr = self.attribute(node.lhs)
        low, high = (self.bind(self.literal(queryable, v)) for v in (node.low, node.high))
        return f"({expr} {'NOT ' if node.not_ else ''}BETWEEN {low} AND {high})"

    def _like(self, node):
        queryable, expr = self.attribute(node.lhs)
        if queryable.kind != "string":
            raise invalid(_("LIKE porte sur une propriété texte."))
        pattern = self.literal(queryable, node.pattern)
        word = "ILIKE" if node.nocase else "LIKE"
        return f"({expr} {'NOT ' if node.not_ else ''}{word} {self.bind(pattern)})"

    def _intersects(self, node):
        lhs, rhs = node.lhs, node.rhs
        if not _is_property(lhs):
            lhs, rhs = rhs, lhs
        queryable, expr = self.attribute(lhs)
        if queryable.kind != "geometry":
            raise invalid(_("S_INTERSECTS porte sur la propriété geometry."))
        if isinstance(rhs, values.Envelope):
            box = [self.bind(float(v)) for v in (rhs.x1, rhs.y1, rhs.x2, rhs.y2)]
            shape = f"ST_MakeEnvelope({', '.join(box)}, {self.srid})"
        elif isinstance(rhs, values.Geometry):
            shape = f"ST_GeomFromWKB({self.bind(_wkb(rhs.geometry))}, {self.srid})"
        else:
            raise invalid(_("S_INTERSECTS attend une géométrie (POINT, POLYGON, BBOX…)."))
        if self.srid != 4326:
            shape = f"ST_Transform({shape}, 4326)"
        return f"ST_Intersects({expr}, {shape})"


def _wkb(geometry):
    """WKB of a GeoJSON geometry checked by shapely (PostGIS would fail the request on a bad one)."""
    try:
        shape = shapely.geometry.shape(geometry)
    except Exception:  # noqa: BLE001 - shapely raises several kinds on malformed coordinates
        raise invalid(_("géométrie illisible.")) from None
    if shape.is_empty or not shapely.is_valid(shape):
        raise invalid(_("géométrie vide ou invalide."))
    return shapely.to_wkb(shape)


def _is_property(node):
    return isinstance(node, ast.Attribute) or (
        isinstance(node, ast.Function) and any(isinstance(a, ast.Attribute) for a in node.arguments)
    )


def instant(value):
    """A timezone-aware UTC datetime from a CQL2 literal (date, timestamp or ISO 8601 text)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=UTC)
    if not isinstance(value, str):
        raise invalid(_("une date ou un horodatage est attendu."))
    text = value.strip().rstrip("Tt")  # GDAL 3.6 writes a date-only value as « 2026-03-01T »
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.min, tzinfo=UTC)
        return instant(datetime.fromisoformat(text.replace("z", "Z")))
    except ValueError:
        raise invalid(_("date RFC 3339 attendue, reçu « %(value)s ».", value=value)) from None
