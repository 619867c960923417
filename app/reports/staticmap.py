"""The PDF's map figure, drawn with matplotlib over a street base map (tiles of the configured server).

Input: layers in Lambert-93 (metres) from spatial.static_map_layers: perimeter, communes with
their names, a sample of contribution points coloured by theme, and the hotspot zones (numbered).
Without tiles (no server, or unreachable) the geometries alone are drawn."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from app.maps import basemap  # noqa: E402
from app.reports.charts import BRAND, INK, MUTED, STYLE  # noqa: E402

HOTSPOT = "#c8553d"


def _polygons(geometry):
    geom = shape(geometry)
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    return [part for part in getattr(geom, "geoms", []) if part.geom_type == "Polygon"]


def _add_polygon(ax, geometry, **style):
    for polygon in _polygons(geometry):
        rings = [polygon.exterior, *polygon.interiors]
        vertices, codes = [], []
        for ring in rings:
            coords = list(ring.coords)
            vertices += coords
            codes += [Path.MOVETO] + [Path.LINETO] * (len(coords) - 2) + [Path.CLOSEPOLY]
        ax.add_patch(PathPatch(Path(vertices, codes), **style))


def _scale_bar(ax, bbox):
    width = bbox[2] - bbox[0]
    length = next(n for n in (5000, 2000, 1000, 500, 200, 100) if n <= width / 4)
    x, y = bbox[0] + width * 0.04, bbox[1] + (bbox[3] - bbox[1]) * 0.04
    ax.plot([x, x + length], [y, y], color=INK, linewidth=2.5, solid_capstyle="butt", zorder=6)
    label = f"{length // 1000} km" if length >= 1000 else f"{length} m"
    ax.text(x + length / 2, y + (bbox[3] - bbox[1]) * 0.015, label, ha="center", fontsize=7.5, zorder=6)
    nx, ny = bbox[2] - width * 0.04, bbox[3] - (bbox[3] - bbox[1]) * 0.1
    ax.annotate(
        "N",
        xy=(nx, ny + (bbox[3] - bbox[1]) * 0.06),
        xytext=(nx, ny),
        ha="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": INK},
        zorder=6,
    )


def _draw_points(ax, points, themes):
    by_theme = {}
    for theme, x, y in points:
        by_theme.setdefault(theme, ([], []))
        by_theme[theme][0].append(x)
        by_theme[theme][1].append(y)
    size = 9 if len(points) < 500 else 4
    ranked = sorted(by_theme.items(), key=lambda kv: -len(kv[1][0]))
    for theme, (xs, ys) in ranked:
        color = themes.get(theme, {}).get("color", BRAND)
        label = themes.get(theme, {}).get("label", theme)
        ax.scatter(xs, ys, s=size, color=color, alpha=0.75, linewidths=0, zorder=4, label=label)
    return len(ranked)


PERIMETER_STYLE = {"facecolor": (0.11, 0.31, 0.54, 0.07), "edgecolor": BRAND, "linewidth": 1.6}
PERIMETER_STYLE.update(linestyle=(0, (5, 3)), zorder=3)
ZONE_STYLE = {"facecolor": (0.78, 0.33, 0.24, 0.12), "edgecolor": HOTSPOT, "linewidth": 1.4, "zorder": 5}
COMMUNE_STYLE = {"facecolor": "#f3f1ea", "edgecolor": "#b9b4a8", "linewidth": 0.6}
MAP_PX = 1400  # base map width in pixels (the figure is about 1 100 pixels wide at 170 dpi)


def render_map(layers, bbox, themes):
    """(PNG bytes of the map, streets drawn?); `themes` maps slugs to {"label", "color"}."""
    with plt.rc_context(STYLE):
        ratio = (bbox[3] - bbox[1]) / max(bbox[2] - bbox[0], 1)
        fig, ax = plt.subplots(figsize=(6.7, min(7.5, max(3.5, 6.7 * ratio))))
        streets = _draw_streets(ax, bbox)
        _draw_layers(ax, layers, bbox, themes, streets)
        ax.set_xlim(bbox[0], bbox[2])
        ax.set_ylim(bbox[1], bbox[3])
        ax.set_aspect("equal")
        ax.set_axis_off()
        _scale_bar(ax, bbox)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=170, bbox_inches="tight", facecolor="white")
        plt.close(fig)
        return buffer.getvalue(), streets


def _draw_streets(ax, bbox):
    """The tiles under the map, with their attribution in the corner; False when they cannot be had."""
    width = MAP_PX
    height = max(1, round(width * (bbox[3] - bbox[1]) / max(bbox[2] - bbox[0], 1)))
    try:
        image = basemap.render(tuple(bbox), width, height)
    except basemap.BasemapUnavailable:
        return False
    ax.imshow(image, extent=(bbox[0], bbox[2], bbox[1], bbox[3]), zorder=0, interpolation="bilinear")
    ax.text(
        0.995,
        0.005,
        "Fond de plan : " + basemap.attribution(),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=5.5,
        color=INK,
        zorder=8,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
    )
    return True


def _draw_layers(ax, layers, bbox, themes, streets=False):
    for commune in layers["communes"]:
        if commune.get("geometry"):
            style = {**COMMUNE_STYLE, "facecolor": "none"} if streets else COMMUNE_STYLE
            _add_polygon(ax, commune["geometry"], **style)
    if layers["perimeter"]:
        _add_polygon(ax, layers["perimeter"], **PERIMETER_STYLE)
    shown = _draw_points(ax, layers["points"], themes)
    for zone in layers["zones"]:
        _add_polygon(ax, zone["geometry"], **ZONE_STYLE)
        _zone_badge(ax, zone, bbox)
    _commune_names(ax, layers["communes"])
    if shown:
        scale = 2.5 if len(layers["points"]) >= 500 else 1.5
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncol=2,
            frameon=False,
            fontsize=7,
            markerscale=scale,
            handletextpad=0.3,
        )


def _zone_badge(ax, zone, bbox):
    # The number sits beside the zone (up and right), linked to it, so it hides neither points nor zone.
    minx, miny, maxx, maxy = shape(zone["geometry"]).bounds
    offset = (bbox[2] - bbox[0]) * 0.03
    ax.annotate(
        str(zone["rank"]),
        xy=(maxx, maxy),
        xytext=(maxx + offset, maxy + offset),
        ha="center",
        va="center",
        fontsize=7.5,
        color="white",
        fontweight="bold",
        zorder=7,
        bbox={"boxstyle": "circle,pad=0.25", "facecolor": HOTSPOT, "edgecolor": "none"},
        arrowprops={"arrowstyle": "-", "color": HOTSPOT, "linewidth": 0.8},
    )


def _commune_names(ax, communes):
    for commune in communes:
        label = commune.get("label")
        if label and label.get("coordinates"):
            x, y = label["coordinates"]
            ax.text(
                x,
                y,
                commune["name"],
                ha="center",
                va="center",
                fontsize=7,
                color=MUTED,
                style="italic",
                zorder=2,
                clip_on=True,
            )
