"""Printable workshop maps: matplotlib over a street base map (tiles) + segno QR code → WeasyPrint PDF.

The map is drawn in Lambert-93 metres: the base map of the configured tile server (app/maps/basemap.py,
warped to Lambert-93), the geometries (perimeter, its buffer, communes, official QPV perimeters), the
reference grid of `grid.py` and the published contributions numbered as in the legend and in the tally
form. Without tiles (no server, or unreachable) the geometries alone are drawn, with a note.
"""

import hashlib
import io
import math

import segno
from flask import current_app, render_template, request
from flask_babel import get_locale
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from app.extensions import redis_connection
from app.maps import basemap
from app.workshops import queries

# Paper (landscape): map drawing size in mm and how many contributions fit legibly.
PAPERS = {
    "A4": {"map_mm": (222, 170), "limit": 120, "font": 6.5, "legend": (3, 21, 50)},
    "A3": {"map_mm": (335, 255), "limit": 250, "font": 8.5, "legend": (4, 27, 48)},
}
PERIMETER = "#1d4e89"
INK = "#1b1f24"


CACHE_SECONDS = 6 * 3600
PX_PER_MM = 6  # base map resolution on paper (about 150 dpi)


def cached_pdf(workshop, paper="A4"):
    """The printable map, from Redis when nothing it shows has changed (rendering takes seconds).

    A map printed without its streets (tile server unreachable) is kept one minute only."""
    fingerprint = queries.printable_fingerprint(workshop, paper) + "|" + current_app.config["MAP_TILES_URL"]
    fingerprint += f"|{get_locale()}"  # the legend and titles are in the reader's language
    key = "workshops:map:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    redis = redis_connection()
    pdf = redis.get(key)
    if pdf is None:
        pdf, complete = _render(workshop, paper)
        redis.set(key, pdf, ex=CACHE_SECONDS if complete else 60)
    return pdf


def render_pdf(workshop, paper="A4"):
    """The printable map of a workshop's consultation as PDF bytes (A4 or A3 landscape)."""
    return _render(workshop, paper)[0]


def _render(workshop, paper):
    """(PDF bytes, complete): complete is False when streets were wanted but could not be drawn."""
    from weasyprint import HTML

    spec = PAPERS[paper]
    consultation = workshop.consultation
    grid = queries.consultation_grid(consultation.id)
    contributions, total = queries.printable_contributions(consultation.id, spec["limit"])
    for row in contributions:
        row["ink"] = _text_colour(row["color"])
        row["cell"] = grid.ref_at(row["x"], row["y"])
    layers = queries.printable_layers(consultation.id, grid)
    map_svg, labelled, streets = draw_map(grid, layers, contributions, spec)
    numbered = [row for row in contributions if row["number"] in labelled]
    url = queries.public_map_url(consultation)
    tiles_configured = bool(current_app.config.get("MAP_TILES_URL"))
    html = render_template(
        "workshops/print_map.html",
        paper=paper,
        spec=spec,
        workshop=workshop,
        consultation=consultation,
        grid=grid,
        contributions=numbered,
        dots_only=len(contributions) - len(numbered),
        total=total,
        themes=_themes_used(contributions),
        legend_pages=legend_pages(numbered, *spec["legend"]),
        map_svg=map_svg,
        streets=streets,
        tiles_configured=tiles_configured,
        attribution=basemap.attribution(),
        qr_svg=segno.make(url, error="m").svg_inline(omitsize=True, border=2),
        url=url,
    )
    pdf = HTML(string=html, base_url=request.host_url if request else None).write_pdf()
    return pdf, streets or not tiles_configured


def legend_pages(contributions, columns, rows, width):
    """The legend laid out in Python (pages → columns → entries): WeasyPrint's CSS columns are slow."""
    entries = [{**row, "short": _shorten(row["title"], width)} for row in contributions]
    per_page = columns * rows
    pages = [entries[i : i + per_page] for i in range(0, len(entries), per_page)]
    balanced = [max(1, min(rows, math.ceil(len(page) / columns))) for page in pages]
    return [
        [page[i : i + n] for i in range(0, len(page), n)] for page, n in zip(pages, balanced, strict=True)
    ]


def _shorten(title, width):
    return title if len(title) <= width else title[: width - 1].rstrip() + "…"


def _themes_used(contributions):
    """(short label, colour) of the themes on the map: one line each, so the side column always fits."""
    seen = {}
    for row in contributions:
        seen.setdefault(row["theme"], row["color"])
    return [(_shorten(label, 34), color) for label, color in sorted(seen.items())]


def draw_map(grid, layers, contributions, spec):
    """(SVG string, numbers labelled on it, streets drawn?); text stays text so the PDF is searchable."""
    width_mm, height_mm = spec["map_mm"]
    with rc_context({"svg.fonttype": "none", "font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4))
        margin = 7 / width_mm, 7 / height_mm  # room for the column and row labels
        ax = fig.add_axes((margin[0], margin[1], 1 - 2 * margin[0], 1 - 2 * margin[1]))
        ax.set_xlim(grid.minx, grid.maxx)
        ax.set_ylim(grid.miny, grid.maxy)
        ax.set_aspect("equal", adjustable="box")
        ax.set_axis_off()
        mm = (grid.maxx - grid.minx) / (width_mm * (1 - 2 * margin[0]))  # metres per mm on paper
        streets = _draw_streets(ax, grid, width_mm * (1 - 2 * margin[0]))
        _draw_background(ax, grid, layers, spec, mm, streets)
        _draw_grid(ax, grid, spec)
        labelled = _draw_contributions(ax, contributions, spec, mm)
        _draw_scale(ax, grid, spec)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", transparent=True)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :], labelled, streets


def _draw_streets(ax, grid, width_mm):
    """The tile base map under the drawing (about 6 pixels per mm); False when it cannot be had."""
    height_mm = width_mm * (grid.maxy - grid.miny) / (grid.maxx - grid.minx)
    try:
        image = basemap.render(grid.bounds, round(width_mm * PX_PER_MM), round(height_mm * PX_PER_MM))
    except basemap.BasemapUnavailable as error:
        if current_app.config.get("MAP_TILES_URL"):
            current_app.logger.warning("printed map without streets: %s", error)
        return False
    ax.imshow(image, extent=(grid.minx, grid.maxx, grid.miny, grid.maxy), zorder=0, interpolation="none")
    return True


def _polygons(geometry):
    if not geometry:
        return []
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    if geometry["type"] == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in _polygons(g)]
    return []


def _patch(polygon, **style):
    vertices, codes = [], []
    for ring in polygon:
        vertices += [tuple(p[:2]) for p in ring]
        codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
    return PathPatch(MplPath(vertices, codes), **style)


def _draw_background(ax, grid, layers, spec, mm, streets=False):
    for commune in layers["communes"]:
        for polygon in _polygons(commune["geometry"]):
            fill = "none" if streets else "#f3f2ee"  # over streets, only the outline
            ax.add_patch(_patch(polygon, facecolor=fill, edgecolor="#a3a8b0", linewidth=0.5))
    for qpv in layers["qpv"]:
        for polygon in _polygons(qpv):
            fill = "#f2b13418" if streets else "#f2b13430"
            ax.add_patch(_patch(polygon, facecolor=fill, edgecolor="#c8553d", linewidth=0.6))
    for polygon in _polygons(layers["buffer"]):
        ax.add_patch(
            _patch(polygon, facecolor="none", edgecolor=PERIMETER, linewidth=0.8, linestyle=(0, (4, 3)))
        )
    for polygon in _polygons(layers["perimeter"]):
        ax.add_patch(_patch(polygon, facecolor="#1d4e8914", edgecolor=PERIMETER, linewidth=1.6))
    for commune in layers["communes"]:
        label = commune.get("label")
        if (
            label
            and label.get("coordinates")
            and _fits(grid, label["coordinates"], commune["name"], spec, mm)
        ):
            x, y = label["coordinates"]
            # No `alpha` on text: WeasyPrint clips semi-transparent centred SVG text.
            ax.text(
                x,
                y,
                commune["name"].upper(),
                fontsize=spec["font"],
                color="#7b818c",
                ha="center",
                va="center",
                style="italic",
                zorder=2,
                bbox={"facecolor": "#ffffffb3", "edgecolor": "none", "pad": 0.6} if streets else None,
            )


def _fits(grid, point, name, spec, mm):
    """True when a centred name fits inside the map (a cut name reads as another place)."""
    half_width = len(name) * spec["font"] * 0.36 * 0.3528 * mm
    half_height = spec["font"] * 0.3528 * mm
    x, y = point
    return (
        grid.minx + half_width < x < grid.maxx - half_width
        and grid.miny + half_height < y < grid.maxy - half_height
    )


def _draw_grid(ax, grid, spec):
    style = {"color": "#4b5563", "linewidth": 0.45, "zorder": 3}
    for i in range(grid.cols + 1):
        x = grid.minx + i * grid.cell
        ax.plot([x, x], [grid.miny, grid.maxy], **style)
    for j in range(grid.rows + 1):
        y = grid.maxy - j * grid.cell
        ax.plot([grid.minx, grid.maxx], [y, y], **style)
    label = {
        "fontsize": spec["font"] + 4,
        "fontweight": "bold",
        "color": INK,
        "ha": "center",
        "va": "center",
        "clip_on": False,
    }
    pad = grid.cell * 0.14
    for i, letter in enumerate(grid.column_labels()):
        x = grid.minx + (i + 0.5) * grid.cell
        ax.text(x, grid.maxy + pad, letter, **label)
        ax.text(x, grid.miny - pad, letter, **label)
    for j, number in enumerate(grid.row_labels()):
        y = grid.maxy - (j + 0.5) * grid.cell
        ax.text(grid.minx - pad, y, number, **label)
        ax.text(grid.maxx + pad, y, number, **label)


def _text_colour(hex_colour):
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if luminance > 0.55 else "#ffffff"


def _draw_contributions(ax, contributions, spec, mm):
    """Numbered labels, most supported first; crowded ones move a little or stay plain dots.

    Returns the numbers that got a label (only those go in the legend)."""
    placed, labelled = [], set()
    for row in sorted(contributions, key=lambda r: (-r["score"], r["number"])):
        ax.plot(row["x"], row["y"], "o", markersize=2, color=row["color"], markeredgewidth=0, zorder=4)
        size = _label_size(row["number"], spec["font"], mm)
        spot = _free_spot(row["x"], row["y"], size, placed)
        if spot is None:
            continue  # no room near its place: a dot is more honest than a label far away
        placed.append((*spot, *size))
        labelled.add(row["number"])
        if spot != (row["x"], row["y"]):
            ax.plot([row["x"], spot[0]], [row["y"], spot[1]], color=row["color"], linewidth=0.5, zorder=4)
        ax.text(*spot, str(row["number"]), fontsize=spec["font"], fontweight="bold", zorder=5,
                color=_text_colour(row["color"]), ha="center", va="center",
                bbox={"boxstyle": "round,pad=0.22,rounding_size=0.6", "facecolor": row["color"],
                      "edgecolor": "white", "linewidth": 0.5})  # fmt: skip
    return labelled


def _label_size(number, font, mm):
    """Half width and half height of a number's label, in metres on the ground."""
    points_to_m = 0.3528 * mm
    return ((len(str(number)) * 0.62 + 0.9) * font * points_to_m / 2, 1.6 * font * points_to_m / 2)


def _free_spot(x, y, size, placed, rings=3, steps=12):
    """The label position nearest to (x, y) that overlaps no placed label, or None within `rings`."""
    half_w, half_h = size

    def free(px, py):
        return all(abs(px - qx) >= half_w + qw or abs(py - qy) >= half_h + qh for qx, qy, qw, qh in placed)

    if free(x, y):
        return x, y
    for ring in range(1, rings + 1):
        for step in range(steps):
            angle = 2 * math.pi * step / steps + ring * 0.4
            px, py = x + math.cos(angle) * half_w * 2.2 * ring, y + math.sin(angle) * half_h * 2.6 * ring
            if free(px, py):
                return px, py
    return None


def _draw_scale(ax, grid, spec):
    x0 = grid.minx + grid.cell * 0.08
    y0 = grid.miny + grid.cell * 0.1
    ax.plot([x0, x0 + grid.cell / 2], [y0, y0], color=INK, linewidth=2, zorder=6)
    ax.text(
        x0,
        y0 + grid.cell * 0.06,
        f"{int(grid.cell / 2)} m  (1 case = {int(grid.cell)} m)",
        fontsize=spec["font"],
        color=INK,
        va="bottom",
        zorder=6,
        bbox={"facecolor": "#ffffffcc", "edgecolor": "none", "pad": 1},
    )
    xn, yn = grid.maxx - grid.cell * 0.2, grid.miny + grid.cell * 0.15
    ax.annotate(
        "N",
        xy=(xn, yn + grid.cell * 0.35),
        xytext=(xn, yn),
        ha="center",
        va="bottom",
        fontsize=spec["font"] + 3,
        fontweight="bold",
        color=INK,
        zorder=6,
        arrowprops={"arrowstyle": "-|>", "color": INK, "linewidth": 1.2},
    )
