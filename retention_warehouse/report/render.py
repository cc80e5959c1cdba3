"""The report's HTML: one file, inline CSS and SVG, no script and no external resource."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from retention_warehouse.report.content import Content, Figure
from retention_warehouse.report.svg import LineChart, Series, bar_chart, esc, heatmap_table

CSS = """
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a; margin: 0;
       background: #f6f7f9; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-top: 10px; border-top: 1px solid #e3e6ea; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: #5f6b7a; margin: 0 0 16px; }
nav { font-size: 13px; margin: 8px 0 0; }
nav a { color: #1f5fa8; margin-right: 14px; text-decoration: none; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { padding: 4px 10px; text-align: right; border-bottom: 1px solid #eceef1; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { font-weight: 600; color: #3d4752; border-bottom: 2px solid #d5d9df; }
table.figures td.name { text-align: left; }
td.up.good, td.down.good { color: #137333; } td.up.bad, td.down.bad { color: #b3261e; }
td.note { color: #6b7785; font-size: 12px; text-align: left; white-space: normal; }
table.heatmap { font-size: 12px; }
table.heatmap th.cohort { text-align: left; }
table.heatmap td { padding: 3px 5px; text-align: center; border: 1px solid #fff; min-width: 34px; }
table.heatmap td.size { color: #5f6b7a; text-align: right; }
table.heatmap td.partial { background-image: repeating-linear-gradient(45deg, rgba(255,255,255,.45) 0 3px,
                           transparent 3px 7px); }
table.heatmap caption { caption-side: bottom; text-align: left; color: #6b7785; font-size: 12px; padding-top: 6px; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 6px 0 14px; font-size: 11px; }
svg .grid { stroke: #e6e9ee; } svg .axis { stroke: #9aa4b1; }
svg .tick { fill: #5f6b7a; font-size: 11px; } svg .label { fill: #3d4752; font-size: 12px; }
svg .legend { fill: #1a1a1a; font-size: 12px; }
ul.movements li { margin: 4px 0; }
.cols { display: flex; gap: 28px; flex-wrap: wrap; } .cols > div { flex: 1 1 420px; }
.note { color: #6b7785; font-size: 12px; }
.bar { display: inline-block; height: 10px; background: #6a9fd4; vertical-align: middle; }
@media print { body { background: #fff; } main { padding: 0; } h2 { break-before: auto; } }
"""


def _value(figure: Figure, value) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    if figure.kind == "rate":
        return f"{value:.1%}"
    if figure.kind == "money":
        return f"{value:,.0f}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"


def _change(figure: Figure) -> tuple[str, str]:
    change = figure.change
    if change is None:
        return "", ""
    if abs(change) < 0.0005:  # below the precision shown (0.05 pp, 0.05%)
        return "= unchanged", ""
    direction = "up" if change > 0 else "down"
    good = "" if figure.better is None else ("good" if (change > 0) == (figure.better == "up") else "bad")
    arrow = "▲" if change > 0 else "▼"
    text = f"{arrow} {change * 100:+.1f} pp" if figure.kind == "rate" else f"{arrow} {change:+.1%}"
    return text, f"{direction} {good}".strip()


def figures_table(figures: list[Figure], current: str, previous: str) -> str:
    rows = []
    for figure in figures:
        change, cls = _change(figure)
        rows.append(f'<tr><td class="name">{esc(figure.name)}</td><td>{_value(figure, figure.current)}</td>'
                    f'<td>{_value(figure, figure.previous)}</td><td class="{cls}">{esc(change)}</td>'
                    f'<td class="note">{esc(figure.note)}</td></tr>')
    return (f'<table class="figures"><thead><tr><th>figure</th><th>{esc(current)}</th><th>{esc(previous)}</th>'
            f'<th>change</th><th></th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _cohort_label(grain: str, day) -> str:
    day = pd.Timestamp(day)
    return day.strftime("%Y-%m") if grain == "month" else day.strftime("%Y-%m-%d")


def heatmap_section(content: Content) -> str:
    matrix = content.heatmap
    grain = content.period.grain
    if matrix is None or matrix.empty:
        return '<p class="note">No cohorts yet.</p>'
    rows = []
    for cohort_start, cells in matrix.groupby("cohort_start", sort=True):
        rows.append({
            "label": _cohort_label(grain, cohort_start),
            "size": int(cells["cohort_size"].iloc[0]),
            "cells": {int(r["period_number"]): (float(r["retention_rate"]), bool(r["known_complete"]))
                      for _, r in cells.iterrows()},
        })
    periods = int(matrix["period_number"].max()) + 1
    return heatmap_table(rows, periods, caption=(
        f"Signup cohorts by {grain}, share active (any activity) in each {grain} after signup; {grain} 0 is the "
        f"signup {grain}. Cells after {content.known_at} are left out; hatched cells were still in progress on that "
        f"day and are not final. Colour scale capped at the highest rate after {grain} 0."))


def curves_section(content: Content) -> str:
    grain = content.period.grain
    if content.curves is None or content.pooled is None:
        return '<p class="note">No complete cohort cells yet.</p>'
    series = []
    for cohort_start, cells in content.curves.groupby("cohort_start", sort=True):
        series.append(Series(_cohort_label(grain, cohort_start),
                             [(float(r["period_number"]), float(r["retention_rate"])) for _, r in cells.iterrows()]))
    series.append(Series("12 cohorts pooled", [(float(r["period_number"]), float(r["retention_rate"]))
                                               for _, r in content.pooled.iterrows()],
                         color="#111", width=3, dash="6 3", markers=False))
    chart = LineChart(series, y_kind="pct", y_title="retention", x_title=f"{grain}s since signup",
                      title="retention curves")
    return chart.render()


def activity_section(content: Content) -> str:
    frame = content.activity
    if frame is None or frame.empty:
        return '<p class="note">No activity in the window.</p>'
    days = list(frame["activity_date"])
    labels = {float(i): pd.Timestamp(d).strftime("%m-%d") for i, d in enumerate(days) if i % 7 == 0}
    counts = LineChart([Series(name.upper(), [(float(i), float(v)) for i, v in enumerate(frame[name])], markers=False)
                        for name in ("dau", "wau", "mau")], x_labels=labels, y_title="active customers",
                       x_title=f"90 days to {content.known_at}", title="DAU WAU MAU").render()
    stick = LineChart([Series("DAU / MAU", [(float(i), None if pd.isna(v) else float(v))
                                            for i, v in enumerate(frame["stickiness"])], markers=False)],
                      x_labels=labels, y_kind="pct", y_title="stickiness", height=220, title="stickiness").render()
    trend = content.headline_trend
    trend_chart = ""
    if trend is not None and not trend.empty:
        names = {"d1_retention": "next day", "d7_retention": "day 7", "within_7d_retention": "within 7 days",
                 "within_30d_retention": "within 30 days"}
        tl = {float(i): _cohort_label(content.period.grain, d) for i, d in enumerate(trend["cohort_period"])}
        trend_chart = LineChart(
            [Series(label, [(float(i), None if pd.isna(v) else float(v)) for i, v in enumerate(trend[column])])
             for column, label in names.items()],
            x_labels=tl, y_kind="pct", y_title="retention", x_title=f"signup cohort {content.period.grain}",
            title="headline retention trend").render()
    return (f"<h3>Active customers</h3>{counts}<h3>Stickiness</h3>{stick}"
            f"<h3>Headline retention by signup cohort</h3>{trend_chart}"
            '<p class="note">Each figure over the cohorts whose window had ended by the last day of the period.</p>')


def lifecycle_section(content: Content) -> str:
    stages = content.stages
    start_label = f"{content.period.start - dt.timedelta(days=1)}"
    rows = "".join(
        f'<tr><td>{esc(r["lifecycle_stage"])}</td><td>{r["start"]:,}</td><td>{r["end"]:,}</td>'
        f'<td>{r["change"]:+,}</td></tr>' for _, r in stages.iterrows())
    table = (f'<table><thead><tr><th>stage</th><th>{start_label}</th><th>{content.known_at}</th><th>change</th></tr>'
             f'</thead><tbody>{rows}</tbody></table>')
    chart = bar_chart([(r["lifecycle_stage"], float(r["change"])) for _, r in stages.iterrows()],
                      title="change per stage", signed_colors=("#2ca02c", "#d62728"), width=480)
    parts = [f'<div class="cols"><div><h3>Customers per lifecycle stage</h3>{table}</div>'
             f'<div><h3>Change in the {content.period.grain}</h3>{chart}</div></div>']
    if content.flows:
        parts.append(f"<h3>Flows of live customers (month)</h3>"
                     f"{figures_table(content.flows, content.period.short, content.previous.short)}")
    parts.append(f"<h3>Period lifecycle ({content.period.grain}): new, returning, resurrecting, dormant</h3>"
                 f"{figures_table(content.period_lifecycle, content.period.short, content.previous.short)}")
    flows = [(f.name.split()[0].lower(), float(f.current) * (-1 if f.name.startswith("Dormant") else 1))
             for f in content.period_lifecycle if f.current is not None]
    parts.append(bar_chart(flows, title="period lifecycle", signed_colors=("#1f77b4", "#d62728"), width=560))
    parts.append('<p class="note">Stages (metrics.md): new - first order in the last 30 days; active - an order or '
                 'activity in 30 days; lapsing - 30 to 90 days since the last order; dormant - 91 to 180; churned - '
                 'more than 180. Period lifecycle: new = first active period is the signup period; returning = also '
                 'active in the previous period; resurrecting = active again after a gap; dormant = first inactive '
                 'period after an active one (shown below zero).</p>')
    return "".join(parts)


def _segment_table(frame: pd.DataFrame, label: str) -> str:
    if frame is None or frame.empty:
        return '<p class="note">No complete cohort for this segment yet.</p>'
    rows = []
    for _, r in frame.iterrows():
        rate, prev = r["retention_rate"], r["previous_retention_rate"]
        change = "" if pd.isna(rate) or pd.isna(prev) else f"{(rate - prev) * 100:+.1f} pp"
        width = 0 if pd.isna(rate) else round(rate * 160)
        size = "" if pd.isna(r["cohort_size"]) else f"{r['cohort_size']:,.0f}"
        rate_text = "n/a" if pd.isna(rate) else f"{rate:.1%}"
        prev_text = "n/a" if pd.isna(prev) else f"{prev:.1%}"
        rows.append(f'<tr><td>{esc(r["segment_value"])}</td><td>{size}</td>'
                    f'<td>{rate_text} <span class="bar" style="width:{width}px"></span></td>'
                    f'<td>{prev_text}</td><td>{change}</td></tr>')
    return (f'<table><thead><tr><th>{esc(label)}</th><th>cohort size</th><th>retention</th><th>cohort before</th>'
            f'<th>change</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def segments_section(content: Content) -> str:
    grain = content.period.grain
    parts = [f'<div class="cols"><div><h3>{grain.capitalize()}-1 retention by acquisition channel</h3>'
             f'{_segment_table(content.channels, "channel")}</div>'
             f'<div><h3>{grain.capitalize()}-1 retention by country (largest 12)</h3>'
             f'{_segment_table(content.countries, "country")}</div></div>']
    rfm = content.rfm
    if rfm is not None and not rfm.empty:
        rows = "".join(
            f'<tr><td>{esc(r["rfm_segment"])}</td><td>{r["customers"]:,}</td>'
            f'<td>{r["share_of_customers"]:.1%} <span class="bar" style="width:{round(r["share_of_customers"] * 300)}px">'
            f'</span></td><td>{0 if pd.isna(r["share_of_monetary"]) else r["share_of_monetary"]:.1%}</td>'
            f'<td>{0 if pd.isna(r["lifetime_net_revenue"]) else r["lifetime_net_revenue"]:,.0f}</td>'
            f'<td class="note">{esc(r["segment_description"])}</td></tr>'
            for _, r in rfm.iterrows())
        parts.append(f'<h3>RFM segments (as of {content.as_of}, the build\'s as_of_date)</h3>'
                     f'<table><thead><tr><th>segment</th><th>customers</th><th>share</th><th>revenue share '
                     f'(RFM window)</th><th>lifetime net revenue</th><th></th></tr></thead><tbody>{rows}</tbody></table>')
        parts.append(bar_chart([(r["rfm_segment"], float(r["customers"])) for _, r in rfm.iterrows()],
                               title="customers per RFM segment"))
    tiers = content.tiers
    if tiers is not None and not tiers.empty:
        order = {"none": 0, "bronze": 1, "gold": 2, "platinum": 3}
        tiers = tiers.sort_values("membership_tier", key=lambda s: s.map(order))
        rows = "".join(f'<tr><td>{esc(r["membership_tier"])}</td><td>{r["customers"]:,}</td>'
                       f'<td>{float(r["lifetime_net_revenue"] or 0):,.0f}</td></tr>' for _, r in tiers.iterrows())
        parts.append(f'<h3>Membership tiers (as of {content.as_of})</h3><table><thead><tr><th>tier</th><th>customers</th>'
                     f'<th>lifetime net revenue</th></tr></thead><tbody>{rows}</tbody></table>')
    return "".join(parts)


def render_html(content: Content, generated_at: dt.datetime) -> str:
    period, previous = content.period, content.previous
    movements = "".join(f"<li>{esc(m)}</li>" for m in content.movements) or \
        "<li>No movement above the thresholds (10% on counts and money, 2 pp on rates).</li>"
    notes = "".join(f"<li>{esc(n)}</li>" for n in content.notes)
    sections = [
        ("headline", "Headline figures",
         figures_table(content.figures, period.short, previous.short)
         + "<h3>Retention</h3>" + figures_table(content.retention_figures, period.short, previous.short)),
        ("movements", "Notable movements", f'<ul class="movements">{movements}</ul>'),
        ("heatmap", "Cohort retention heatmap", heatmap_section(content)),
        ("curves", "Retention curves",
         curves_section(content) + '<p class="note">The latest six signup cohorts with complete cells and the twelve '
                                   'cohorts of the heatmap pooled (sum retained / sum cohort size).</p>'),
        ("activity", "Activity and headline retention", activity_section(content)),
        ("lifecycle", "Lifecycle flows", lifecycle_section(content)),
        ("segments", "Segments", segments_section(content)),
    ]
    nav = "".join(f'<a href="#{key}">{esc(title)}</a>' for key, title, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{esc(title)}</h2>{html}</section>' for key, title, html in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Retention report - {esc(period.label)}</title><style>{CSS}</style></head>
<body><main>
<h1>Retention report - {esc(period.label)}</h1>
<p class="meta">{esc(period.start)} to {esc(period.end)}, compared with {esc(previous.start)} to {esc(previous.end)}.
Data as of {esc(content.as_of)} (as_of_date); figures use what was known on {esc(content.known_at)}.
Warehouse {esc(Path(content.database).name)}; generated {esc(generated_at.isoformat(sep=' '))}.</p>
<nav>{nav}</nav>
{f'<ul class="note">{notes}</ul>' if notes else ''}
{body}
<p class="note">Definitions: docs/metrics.md and the dbt docs of each public mart. Rates are shares of customers;
changes in rates are in percentage points (pp); money is net revenue in the reporting currency.</p>
</main></body></html>
"""

