"""Charts of a report, drawn with matplotlib as SVG (text kept as text, French labels)."""

import io
import re
from datetime import date

import matplotlib
from flask_babel import gettext as _

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

INK, MUTED, GRID, BRAND, ACCENT = "#1b1f24", "#5a6270", "#e3e6ea", "#1d4e89", "#c8553d"
WIDTH_IN = 6.7  # 17 cm: the text width of an A4 page with 2 cm margins
STYLE = {
    "svg.fonttype": "none",
    "font.family": ["Liberation Sans", "DejaVu Sans"],
    "font.size": 8.5,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
SOURCE_COLORS = {"web": BRAND, "workshop": "#2e7d32", "kiosk": "#b26a00"}
OUTCOME_COLORS = {
    "integree": "#1b5e20",
    "retenue": "#2e7d32",
    "deja_prevue": "#5b8c5a",
    "a_l_etude": "#b26a00",
    "non_retenue": "#8a1c1c",
    "none": "#9aa1ab",
}


def number_fr(value):
    return f"{int(round(value)):,}".replace(",", "\u202f")


def _svg(fig, name):
    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": f"report-{name}"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", transparent=True)
    plt.close(fig)
    svg = buffer.getvalue()
    return _unique_ids(svg[svg.index("<svg") :], name)


def _unique_ids(svg, name):
    # Several charts are inlined in one document: matplotlib's ids (figure_1, patch_1…) must not clash.
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', svg)
    svg = svg.replace("url(#", f"url(#{name}-")
    return re.sub(r'(xlink:href|href)="#', rf'\1="#{name}-', svg)


def _barh(name, labels, values, colors, xlabel):
    height = max(1.1, 0.27 * len(labels) + 0.55)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
        positions = range(len(labels))[::-1]
        bars = ax.barh(list(positions), values, color=colors, height=0.65)
        ax.set_yticks(list(positions), labels)
        ax.tick_params(axis="y", length=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number_fr(v)))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(xlabel, color=MUTED)
        top = max(values) if values else 1
        ax.set_xlim(0, top * 1.15 or 1)
        for bar, value in zip(bars, values, strict=True):
            ax.text(
                bar.get_width() + top * 0.01,
                bar.get_y() + bar.get_height() / 2,
                number_fr(value),
                va="center",
                fontsize=8,
                color=INK,
            )
        return _svg(fig, name)


def themes_chart(figures):
    """Published contributions per theme, largest first."""
    themes = figures["labels"]["themes"]
    items = sorted(figures["by_theme"].items(), key=lambda kv: (-kv[1], kv[0]))
    if not items:
        return None
    labels = [themes.get(slug, {}).get("label", slug) for slug, _ in items]
    colors = [themes.get(slug, {}).get("color", BRAND) for slug, _ in items]
    return _barh("themes", labels, [count for _, count in items], colors, _("Contributions publiées"))


def sources_chart(figures):
    """Published contributions per channel (online, workshop, kiosk)."""
    sources = figures["labels"]["sources"]
    keys = [key for key in ("web", "workshop", "kiosk") if figures["by_source"].get(key)]
    if not keys:
        return None
    values = [figures["by_source"][key] for key in keys]
    colors = [SOURCE_COLORS[key] for key in keys]
    return _barh("sources", [sources[key] for key in keys], values, colors, _("Contributions publiées"))


def outcomes_chart(figures):
    """What became of the published contributions (official outcomes and « sans réponse »)."""
    outcomes = figures["labels"]["outcomes"]
    keys = [key for key in outcomes if figures["by_outcome"].get(key)]
    labels = [outcomes[key] for key in keys]
    values = [figures["by_outcome"][key] for key in keys]
    without = figures["contributions"] - sum(figures["by_outcome"].values())
    if without > 0:
        keys, labels, values = keys + ["none"], labels + [_("Pas encore de suite donnée")], values + [without]
    if not values:
        return None
    return _barh(
        "outcomes", labels, values, [OUTCOME_COLORS[key] for key in keys], _("Contributions publiées")
    )


def qpv_chart(figures):
    """Participants per 1 000 inhabitants, one bar per QPV (only when there are several)."""
    rows = [row for row in figures["qpv"] if row["population"]]
    if len(rows) < 2:
        return None
    rows.sort(key=lambda row: (-(row["participants_per_1000"] or 0), row["code"]))
    labels = [f"{row['name'][:38]} ({row['code']})" for row in rows]
    values = [row["participants_per_1000"] or 0 for row in rows]
    colors = [ACCENT if row["npnru"] else BRAND for row in rows]
    return _barh(
        "qpv", labels, values, colors, _("Participants pour 1 000 habitants (en rouge : site NPNRU)")
    )


def weeks_chart(figures):
    """Contributions (bars) and votes (line) per ISO week."""
    weeks = sorted(set(figures["by_week"]) | set(figures["votes_by_week"]))
    if not weeks:
        return None
    mondays = [date.fromisocalendar(int(w[:4]), int(w[6:]), 1) for w in weeks]
    labels = [f"{d.day:02d}/{d.month:02d}" for d in mondays]
    contributions = [figures["by_week"].get(w, 0) for w in weeks]
    votes = [figures["votes_by_week"].get(w, 0) for w in weeks]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.3))
        ax.bar(range(len(weeks)), contributions, color=BRAND, label=_("Contributions publiées"))
        ax.set_ylabel(_("Contributions"), color=BRAND)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number_fr(v)))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        step = max(1, len(weeks) // 12)
        ax.set_xticks(range(0, len(weeks), step), labels[::step])
        ax.set_xlabel(_("Semaine (date du lundi)"), color=MUTED)
        twin = ax.twinx()
        twin.plot(range(len(weeks)), votes, color=ACCENT, marker="o", markersize=3, label=_("Votes en ligne"))
        twin.set_ylabel(_("Votes"), color=ACCENT)
        twin.set_ylim(bottom=0)
        twin.spines["top"].set_visible(False)
        twin.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number_fr(v)))
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=8)
        return _svg(fig, "weeks")


CHARTS = {
    "themes": themes_chart,
    "weeks": weeks_chart,
    "sources": sources_chart,
    "outcomes": outcomes_chart,
    "qpv": qpv_chart,
}


def render_charts(figures):
    """{name: svg text} for every chart that has data."""
    charts = {}
    for name, build in CHARTS.items():
        svg = build(figures)
        if svg:
            charts[name] = svg
    return charts
