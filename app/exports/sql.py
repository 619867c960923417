"""SQL of the exports (pure, no Flask): one filtered selection, columns per output flavour.

Every statement uses psycopg's `%(name)s` placeholders: exports run on the raw psycopg connection
(COPY for CSV, server-side cursors for the other formats)."""

from dataclasses import dataclass, field
from datetime import date

SRIDS = {"EPSG:4326": 4326, "EPSG:2154": 2154}
PRECISION = {4326: 7, 2154: 2}  # decimals: ~1 cm in both systems
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
EMAIL_MASK = "[adresse masquée]"
EXPORT_STATUSES = ("published", "pending", "rejected", "hidden")

JOINS = (
    " FROM contributions c"
    " JOIN consultations co ON co.id = c.consultation_id"
    " JOIN themes t ON t.slug = c.theme_slug"
    " LEFT JOIN qpv q ON q.code = c.qpv_code"
    " LEFT JOIN communes cm ON cm.insee = c.commune_insee"
    " LEFT JOIN users u ON u.id = c.author_id"
)


@dataclass(frozen=True)
class Selection:
    """What to export: consultations, statuses and optional filters, plus the output CRS."""

    consultation_ids: tuple
    statuses: tuple = ("published",)
    qpv_codes: tuple = ()
    themes: tuple = ()
    date_from: date | None = None
    date_to: date | None = None
    srid: int = 4326
    extra: dict = field(default_factory=dict)  # salt, URL prefixes (see base_params)


def where(selection):
    """(SQL condition on `c`, params) for the selection."""
    parts = ["c.consultation_id = ANY(%(consultation_ids)s)", "c.status = ANY(%(statuses)s)"]
    params = {"consultation_ids": list(selection.consultation_ids), "statuses": list(selection.statuses)}
    if selection.qpv_codes:
        parts.append("c.qpv_code = ANY(%(qpv_codes)s)")
        params["qpv_codes"] = list(selection.qpv_codes)
    if selection.themes:
        parts.append("c.theme_slug = ANY(%(themes)s)")
        params["themes"] = list(selection.themes)
    # Dates are French calendar days (Europe/Paris), bounds inclusive.
    if selection.date_from:
        parts.append("c.created_at >= (%(date_from)s::date)::timestamp AT TIME ZONE 'Europe/Paris'")
        params["date_from"] = selection.date_from
    if selection.date_to:
        parts.append("c.created_at < (%(date_to)s::date + 1)::timestamp AT TIME ZONE 'Europe/Paris'")
        params["date_to"] = selection.date_to
    return " AND ".join(parts), params


def base_params(selection):
    """Params every export statement uses (filters, salt, masks, URL prefixes)."""
    _, params = where(selection)
    params.update(
        email_pattern=EMAIL_PATTERN,
        email_mask=EMAIL_MASK,
        salt=selection.extra.get("salt", ""),
        media_url=selection.extra.get("media_url", ""),
        page_url=selection.extra.get("page_url", ""),
    )
    return params


def masked(expr):
    """Text with e-mail addresses replaced (free text may contain some); cheap when there is no @."""
    return (
        f"CASE WHEN strpos({expr}, '@') > 0"
        f" THEN regexp_replace({expr}, %(email_pattern)s, %(email_mask)s, 'g') ELSE {expr} END"
    )


def guarded(expr):
    """Masked text a spreadsheet will not run as a formula (CSV injection): a leading quote."""
    return f"regexp_replace({masked(expr)}, '^([=+@-])', '''\\1')"


def author_expr(author_col="c.author_id"):
    """Pseudonym when the consultation allows it, else a stable anonymous id; never an e-mail."""
    anon = (
        "'anon-' || left(encode(sha256(convert_to("
        f"%(salt)s || ':' || {author_col} || ':' || co.id, 'UTF8')), 'hex'), 12)"
    )
    return (
        f"CASE WHEN {author_col} IS NULL THEN NULL"
        f" WHEN co.export_pseudonyms AND u.deleted_at IS NULL THEN {masked('u.pseudonym')}"
        f" ELSE {anon} END"
    )


# One time rule for every format: UTC. Text formats say so with the « Z » of RFC 3339; XLSX cells
# are real date-times in UTC (the header and the summary sheet say so); GeoPackage stores UTC.
UTC_TEXT = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
DATE_FORMATS = {"csv": UTC_TEXT, "geojson": UTC_TEXT, "xlsx": "({} AT TIME ZONE 'UTC')"}


def _dates(flavour):
    """Expressions for created/published dates: RFC 3339 UTC text, naive UTC or epoch ms (gpkg)."""
    fmt = DATE_FORMATS.get(flavour, EPOCH_MS)
    return fmt.format("c.created_at"), fmt.format("c.published_at")


# Milliseconds since 1970 UTC, NULL as numpy's NaT (the smallest int64): cheap to turn into datetime64.
EPOCH_MS = "coalesce((extract(epoch FROM {}) * 1000)::int8, -9223372036854775808)"


def _coordinates(selection, flavour, decimal_comma):
    srid, digits = selection.srid, PRECISION[selection.srid]
    xs = [f"round(ST_X(tr.anchor)::numeric, {digits})", f"round(ST_Y(tr.anchor)::numeric, {digits})"]
    if flavour == "csv" and decimal_comma:
        xs = [f"replace({x}::text, '.', ',')" for x in xs]
    elif flavour != "csv":
        xs = [f"{x}::float8" for x in xs]
    geom = "c.geom" if srid == 4326 else f"ST_Transform(c.geom, {srid})"
    wkt = f"CASE WHEN ST_Dimension(c.geom) > 0 THEN ST_AsText({geom}, {digits}) END"
    return [("x", xs[0]), ("y", xs[1]), ("wkt", wkt)]


def contribution_columns(selection, flavour, decimal_comma=False, whole_table=True):
    """[(name, SQL expression)] of one contribution row for csv, xlsx, geojson or gpkg.

    `whole_table`: photos come from one grouped join (exports); else one lookup per row (pages)."""
    text = guarded if flavour in ("csv", "xlsx") else masked
    created, published = _dates(flavour)
    support = "co.voting_mode = 'support'"
    columns = [
        ("id", "c.id"),
        ("concertation", "co.slug"),
        ("qpv_code", "c.qpv_code"),
        ("qpv_nom", "q.name"),
        ("commune_insee", "c.commune_insee"),
        ("commune", "cm.name"),
        ("adresse", text("c.address_label")),  # « près du 12 rue … » (reverse geocoding)
        ("theme", "c.theme_slug"),
        ("theme_libelle", "t.label"),
        ("statut", "c.status"),
        ("suite_donnee", "c.outcome"),
        ("titre", text("c.title")),
        ("description", text("c.body")),
        ("reponse_officielle", text("c.official_answer")),
        ("votes_pour", f"CASE WHEN {support} THEN NULL ELSE c.agree_count END"),
        ("votes_contre", f"CASE WHEN {support} THEN NULL ELSE c.disagree_count END"),
        ("soutiens", f"CASE WHEN {support} THEN c.agree_count END"),
        ("atelier_pour", "c.workshop_agree_count"),
        ("atelier_contre", "c.workshop_disagree_count"),
        ("commentaires", "c.comment_count"),
        ("source", "c.source"),
        ("auteur", text(author_expr())),
        ("cree_le", created),
        ("publie_le", published),
    ]
    if flavour in ("csv", "xlsx"):
        columns += _coordinates(selection, flavour, decimal_comma)
    photos = (
        "ph.urls" if whole_table else f"(SELECT {PHOTO_URLS} FROM photos p WHERE p.contribution_id = c.id)"
    )
    columns += [("photos", photos), ("url", "%(page_url)s || c.id")]
    return columns


PHOTO_URLS = "string_agg(%(media_url)s || p.path, ' ' ORDER BY p.position)"


def export_joins(selection):
    """JOINS plus what whole-table exports need: grouped photo links, the anchor in the CRS once."""
    anchor = "c.anchor" if selection.srid == 4326 else f"ST_Transform(c.anchor, {selection.srid})"
    return (
        f"{JOINS}"
        f" LEFT JOIN (SELECT p.contribution_id, {PHOTO_URLS} AS urls FROM photos p"
        "  GROUP BY p.contribution_id) ph ON ph.contribution_id = c.id"
        f" CROSS JOIN LATERAL (SELECT {anchor} AS anchor) tr"
    )


def select_contributions(selection, columns, extra_select=()):
    """SELECT of the filtered contributions with `columns`, ordered by id."""
    condition, _ = where(selection)
    items = [f"{expr} AS {name}" for name, expr in columns] + list(extra_select)
    return f"SELECT {', '.join(items)}{export_joins(selection)} WHERE {condition} ORDER BY c.id"


def geometry_wkb(selection):
    """Extra select items for GeoPackage: WKB geometry in the CRS and its dimension (0, 1, 2)."""
    geom = "c.geom" if selection.srid == 4326 else f"ST_Transform(c.geom, {selection.srid})"
    return [
        f"ST_AsBinary(CASE WHEN ST_Dimension(c.geom) = 0 THEN ST_PointOnSurface({geom})"
        f" ELSE ST_Multi({geom}) END) AS geom_wkb",
        "ST_Dimension(c.geom) AS geom_dim",
    ]


def geometry_geojson(selection):
    """Extra select item for GeoJSON: the geometry as GeoJSON text in the CRS."""
    geom = "c.geom" if selection.srid == 4326 else f"ST_Transform(c.geom, {selection.srid})"
    # Options 0: no `crs` member in every geometry (RFC 7946); a Lambert-93 file says it once.
    return [f"ST_AsGeoJSON({geom}, {PRECISION[selection.srid]}, 0) AS geom_json"]


def count_contributions(selection):
    condition, _ = where(selection)
    return f"SELECT count(*) FROM contributions c WHERE {condition}"


def count_comments(selection):
    condition, _ = where(selection)
    return (
        "SELECT count(*) FROM comments m JOIN contributions c ON c.id = m.contribution_id"
        f" WHERE m.status = 'published' AND {condition}"
    )


def comment_columns(flavour):
    """[(name, SQL expression)] of one published comment of an exported contribution."""
    text = guarded if flavour in ("csv", "xlsx") else masked
    return [
        ("commentaire_id", "m.id"),
        ("contribution_id", "m.contribution_id"),
        ("reponse_a", "m.parent_id"),
        ("auteur", text(author_expr("m.author_id"))),
        ("texte", text("m.body")),
        ("cree_le", DATE_FORMATS.get(flavour, EPOCH_MS).format("m.created_at")),
    ]


def select_comments(selection, columns):
    """SELECT of the published comments of the filtered contributions."""
    condition, _ = where(selection)
    items = ", ".join(f"{expr} AS {name}" for name, expr in columns)
    return (
        f"SELECT {items} FROM comments m"
        " JOIN contributions c ON c.id = m.contribution_id"
        " JOIN consultations co ON co.id = c.consultation_id"
        " LEFT JOIN users u ON u.id = m.author_id"
        f" WHERE m.status = 'published' AND {condition} ORDER BY m.contribution_id, m.id"
    )


def select_perimeters(selection):
    """The selected consultations' perimeters (WKB MultiPolygon in the CRS)."""
    geom = "geom" if selection.srid == 4326 else f"ST_Transform(geom, {selection.srid})"
    return (
        "SELECT slug, title, perimeter_provisional, buffer_m,"
        f" ST_AsBinary(ST_Multi({geom})) AS geom_wkb"
        " FROM consultations WHERE id = ANY(%(consultation_ids)s) ORDER BY id"
    )


def summary_statements(selection):
    """{name: SQL} of the aggregates of the summary sheet."""
    condition, _ = where(selection)
    base = f"{JOINS} WHERE {condition}"
    return {
        "themes": f"SELECT t.label, c.status, count(*) {base} GROUP BY t.position, t.label, c.status"
        " ORDER BY t.position, c.status",
        "qpv": "SELECT c.qpv_code, q.name, count(*), sum(c.agree_count), sum(c.disagree_count),"
        f" sum(c.comment_count) {base} GROUP BY c.qpv_code, q.name ORDER BY c.qpv_code",
        "outcomes": f"SELECT c.outcome, count(*) {base} GROUP BY c.outcome ORDER BY c.outcome",
    }


# Types of the contribution columns above, for the writers and the OGC schemas (the rest are text).
INTEGER_COLUMNS = frozenset(
    {"id", "votes_pour", "votes_contre", "soutiens", "atelier_pour", "atelier_contre", "commentaires"}
)
DATETIME_COLUMNS = frozenset({"cree_le", "publie_le"})
