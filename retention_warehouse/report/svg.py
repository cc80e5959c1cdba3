"""Hand-written inline charts for the HTML report: SVG line and bar charts and an HTML-table heatmap. No scripts, no
fonts, no network: the report opens anywhere, offline, and prints."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939"]


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering lo..hi."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(value, 12))
    return ticks


def fmt(value: float, kind: str, step: float | None = None) -> str:
    """A number for a label; with `step` (the tick spacing), every tick of an axis gets the same decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "pct":
        if step is not None:
            decimals = max(0, -math.floor(math.log10(step * 100) + 1e-9))
            return f"{value:.{decimals}%}"
        return f"{value:.0%}" if abs(value) >= 0.1 or value == 0 else f"{value:.1%}"
    if kind == "money":
        return f"{value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.1f}"


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]]  # (x, y); y may be None for a gap
    color: str | None = None
    width: float = 1.8
    dash: str | None = None
    markers: bool = True


@dataclass
class LineChart:
    """A line chart with numeric x (labels given per x) and y axes, gridlines and a legend."""

    series: list[Series]
    x_labels: dict[float, str] = field(default_factory=dict)
    y_kind: str = "num"
    y_title: str = ""
    x_title: str = ""
    width: int = 760
    height: int = 300
    y_min: float | None = 0.0
    title: str = ""

    def render(self) -> str:
        left, right, top, bottom = 62, 170, 16, 46
        plot_w, plot_h = self.width - left - right, self.height - top - bottom
        points = [(x, y) for s in self.series for x, y in s.points if y is not None and math.isfinite(y)]
        if not points:
            return empty_chart(self.title or "chart", self.width, self.height)
        xs = [x for x, _ in points] + list(self.x_labels)
        ys = [y for _, y in points]
        x_lo, x_hi = min(xs), max(xs)
        if x_hi == x_lo:
            x_hi = x_lo + 1
        y_lo = min(ys) if self.y_min is None else min(self.y_min, min(ys))
        ticks = nice_ticks(y_lo, max(ys))
        y_lo, y_hi = ticks[0], ticks[-1]

        def sx(x: float) -> float:
            return left + (x - x_lo) / (x_hi - x_lo) * plot_w

        def sy(y: float) -> float:
            return top + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h

        parts = [f'<svg class="chart" role="img" aria-label="{esc(self.title)}" '
                 f'viewBox="0 0 {self.width} {self.height}" width="{self.width}" height="{self.height}">']
        for tick in ticks:
            y = sy(tick)
            parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
            label = fmt(tick, self.y_kind, ticks[1] - ticks[0] if len(ticks) > 1 else None)
            parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{esc(label)}</text>')
        labels = self.x_labels or {x: fmt(x, "num") for x in sorted({x for x, _ in points})}
        step = max(1, math.ceil(len(labels) / 14))
        for i, (x, label) in enumerate(sorted(labels.items())):
            if i % step:
                continue
            parts.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{top + plot_h}" y2="{top + plot_h + 4}" class="axis"/>')
            parts.append(f'<text x="{sx(x):.1f}" y="{top + plot_h + 17}" class="tick" text-anchor="middle">{esc(label)}</text>')
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" class="axis"/>')
        if self.x_title:
            parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{self.height - 6}" class="label" '
                         f'text-anchor="middle">{esc(self.x_title)}</text>')
        if self.y_title:
            parts.append(f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" class="label" '
                         f'text-anchor="middle">{esc(self.y_title)}</text>')
        for i, s in enumerate(self.series):
            color = s.color or PALETTE[i % len(PALETTE)]
            segments, current = [], []
            for x, y in s.points:
                if y is None or not math.isfinite(y):
                    if current:
                        segments.append(current)
                    current = []
                else:
                    current.append((sx(x), sy(y)))
            if current:
                segments.append(current)
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            for segment in segments:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                parts.append(f'<polyline class="series" points="{coords}" fill="none" stroke="{color}" '
                             f'stroke-width="{s.width}"{dash}><title>{esc(s.name)}</title></polyline>')
                if s.markers and len(segment) <= 40:
                    parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" fill="{color}"/>' for x, y in segment)
            legend_y = top + 12 + i * 17
            parts.append(f'<line x1="{left + plot_w + 14}" x2="{left + plot_w + 34}" y1="{legend_y - 4}" '
                         f'y2="{legend_y - 4}" stroke="{color}" stroke-width="{max(s.width, 2)}"{dash}/>')
            parts.append(f'<text x="{left + plot_w + 40}" y="{legend_y}" class="legend">{esc(s.name)}</text>')
        parts.append("</svg>")
        return "".join(parts)


def bar_chart(rows: list[tuple[str, float]], *, kind: str = "num", width: int = 760, title: str = "",
              color: str = "#1f77b4", signed_colors: tuple[str, str] | None = None) -> str:
    """Horizontal bars, one per (label, value); negative values extend left of zero."""
    rows = [(label, value) for label, value in rows if value is not None and math.isfinite(value)]
    if not rows:
        return empty_chart(title or "chart", width, 80)
    bar_h, gap, left, right = 18, 6, 170, 90
    height = len(rows) * (bar_h + gap) + 24
    lo = min(0.0, min(v for _, v in rows))
    hi = max(0.0, max(v for _, v in rows))
    span = (hi - lo) or 1.0
    pad = 60 if lo < 0 else 0  # room for the value labels of negative bars
    plot_w = width - left - right - pad

    def sx(v: float) -> float:
        return left + pad + (v - lo) / span * plot_w

    parts = [f'<svg class="chart" role="img" aria-label="{esc(title)}" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">']
    zero = sx(0.0)
    for i, (label, value) in enumerate(rows):
        y = 8 + i * (bar_h + gap)
        x0, x1 = sorted((zero, sx(value)))
        fill = color if not signed_colors else (signed_colors[0] if value >= 0 else signed_colors[1])
        parts.append(f'<text x="{left - 8}" y="{y + bar_h - 5}" class="tick" text-anchor="end">{esc(label)}</text>')
        parts.append(f'<rect class="bar" x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" fill="{fill}">'
                     f'<title>{esc(label)}: {esc(fmt(value, kind))}</title></rect>')
        text_x = x1 + 5 if value >= 0 else x0 - 5
        anchor = "start" if value >= 0 else "end"
        parts.append(f'<text x="{text_x:.1f}" y="{y + bar_h - 5}" class="tick" text-anchor="{anchor}">'
                     f'{esc(fmt(value, kind))}</text>')
    parts.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="4" y2="{height - 14}" class="axis"/>')
    parts.append("</svg>")
    return "".join(parts)


def empty_chart(title: str, width: int, height: int) -> str:
    return (f'<svg class="chart empty" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}"><text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="label">'
            f'No data for {esc(title)}</text></svg>')


def blend(rate: float, top: float) -> tuple[str, str]:
    """Background and text colour of a heatmap cell: white to dark blue by rate / top."""
    t = max(0.0, min(1.0, rate / top if top > 0 else 0.0))
    lo, hi = (247, 251, 255), (8, 69, 148)
    r, g, b = (round(lo[k] + (hi[k] - lo[k]) * t) for k in range(3))
    return f"rgb({r},{g},{b})", "#fff" if t > 0.55 else "#1a1a1a"


def heatmap_table(rows: list[dict], periods: int, *, caption: str = "") -> str:
    """Cohort heatmap as an HTML table. rows: {label, size, cells: {period: (rate, complete)}}; a cell missing from
    `cells` has not started (or lies after the reporting period) and stays blank."""
    later = [rate for row in rows for p, (rate, _) in row["cells"].items() if p > 0 and rate is not None]
    top = max(later) if later else 1.0
    head = "".join(f"<th>{p}</th>" for p in range(periods))
    body = []
    for row in rows:
        cells = []
        for p in range(periods):
            if p not in row["cells"]:
                cells.append('<td class="na"></td>')
                continue
            rate, complete = row["cells"][p]
            if rate is None:
                cells.append('<td class="na"></td>')
                continue
            background, color = blend(rate, top)
            cls = "cell" if complete else "cell partial"
            note = "" if complete else " (in progress)"
            cells.append(f'<td class="{cls}" style="background:{background};color:{color}" '
                         f'title="{esc(row["label"])}, period {p}: {rate:.1%}{note}">{rate:.0%}</td>')
        body.append(f'<tr><th class="cohort">{esc(row["label"])}</th><td class="size">{row["size"]:,}</td>{"".join(cells)}</tr>')
    return (f'<table class="heatmap"><caption>{esc(caption)}</caption><thead><tr><th>cohort</th><th>size</th>{head}</tr>'
            f'</thead><tbody>{"".join(body)}</tbody></table>')
