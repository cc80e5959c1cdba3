"""What the report says: figures for a period and the one before, read from the public marts in SQL.

Every figure is limited to what was known on the period's last day (or as_of_date, if the period is still in
progress): activity, orders and signups in the period; retention windows that ended inside it; cohort cells whose
period ended by then; lifecycle stages on the day before it started and on its last day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from retention_warehouse.dashboard import data
from retention_warehouse.dashboard.data import Warehouse

STAGES = ["prospect", "new", "reactivated", "active", "lapsing", "dormant", "churned"]
LIVE_STAGES = ["new", "reactivated", "active", "lapsing", "dormant"]
HEADLINE_WINDOWS = {"d1": 1, "d7": 7, "d30": 30, "within_7d": 7, "within_30d": 30}
REQUIRED_MARTS = ["dim_customers", "fct_orders", "fct_customer_activity_daily", "fct_active_customers_daily",
                  "fct_cohort_retention", "fct_cohort_retention_by_segment", "fct_retention_headline",
                  "fct_period_lifecycle", "fct_lifecycle_stage_daily", "fct_churn_monthly", "fct_rfm_segment_summary"]


class ReportError(ValueError):
    """The report cannot be made for this warehouse or period."""


@dataclass(frozen=True)
class Period:
    grain: str  # month | week
    start: dt.date
    end: dt.date  # last day, inclusive

    @property
    def label(self) -> str:
        if self.grain == "month":
            return self.start.strftime("%B %Y")
        return f"week of {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"

    @property
    def short(self) -> str:
        return self.start.strftime("%Y-%m") if self.grain == "month" else f"{self.start:%Y-%m-%d}"

    def shift(self, n: int) -> "Period":
        if self.grain == "month":
            start = (pd.Timestamp(self.start) + pd.DateOffset(months=n)).date()
            end = (pd.Timestamp(start) + pd.DateOffset(months=1) - pd.Timedelta(days=1)).date()
        else:
            start = self.start + dt.timedelta(days=7 * n)
            end = start + dt.timedelta(days=6)
        return Period(self.grain, start, end)


def period_end_of(grain: str, start: pd.Timestamp) -> pd.Timestamp:
    if grain == "month":
        return start + pd.DateOffset(months=1) - pd.Timedelta(days=1)
    if grain == "week":
        return start + pd.Timedelta(days=6)
    return start


def resolve_period(grain: str, text: str | None, as_of: dt.date, week_start: int = 0) -> Period:
    """The period named by `text` (2025-05, 2025-05-14, 2025-W20), or the latest one that ended by as_of.
    week_start is the weekday weeks start on (0 = Monday, 6 = Sunday), as in the build's week_start var."""
    if grain not in ("month", "week"):
        raise ReportError(f"period must be month or week, not {grain!r}")
    if text is None:
        day = as_of
    elif re.fullmatch(r"\d{4}-\d{2}", text):
        day = dt.date.fromisoformat(text + "-01")
    elif match := re.fullmatch(r"(\d{4})-W(\d{2})", text):
        day = dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    else:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError as error:
            raise ReportError(f"cannot read the date {text!r}: use 2025-05, 2025-05-14 or 2025-W20") from error
    if grain == "month":
        period = Period("month", day.replace(day=1),
                        (pd.Timestamp(day.replace(day=1)) + pd.DateOffset(months=1) - pd.Timedelta(days=1)).date())
    else:
        start = day - dt.timedelta(days=(day.weekday() - week_start) % 7)
        period = Period("week", start, start + dt.timedelta(days=6))
    if text is None and period.end > as_of:  # default: the latest complete period
        period = period.shift(-1)
    if period.start > as_of:
        raise ReportError(f"{period.label} starts after as_of_date {as_of}: nothing is known about it yet")
    return period


@dataclass
class Figure:
    name: str
    current: float | None
    previous: float | None
    kind: str = "count"  # count | money | rate
    better: str | None = "up"  # up | down | None (neutral)
    note: str = ""

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None or pd.isna(self.current) or pd.isna(self.previous):
            return None
        if self.kind == "rate":
            return self.current - self.previous
        return None if self.previous == 0 else self.current / self.previous - 1


@dataclass
class Content:
    period: Period
    previous: Period
    as_of: dt.date
    known_at: dt.date  # the last day the report uses: period end, or as_of_date while the period is in progress
    database: str
    figures: list[Figure] = field(default_factory=list)
    retention_figures: list[Figure] = field(default_factory=list)
    heatmap: pd.DataFrame | None = None
    curves: pd.DataFrame | None = None
    pooled: pd.DataFrame | None = None
    activity: pd.DataFrame | None = None
    headline_trend: pd.DataFrame | None = None
    stages: pd.DataFrame | None = None
    flows: list[Figure] = field(default_factory=list)
    period_lifecycle: list[Figure] = field(default_factory=list)
    channels: pd.DataFrame | None = None
    countries: pd.DataFrame | None = None
    rfm: pd.DataFrame | None = None
    tiers: pd.DataFrame | None = None
    movements: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _d(value) -> str:
    return str(pd.Timestamp(value).date())


def _one(wh: Warehouse, sql: str, params: tuple) -> dict:
    frame = wh.query(sql, params)
    return {k: (None if pd.isna(v) else v) for k, v in frame.iloc[0].to_dict().items()}


def week_start_weekday(wh: Warehouse) -> int:
    """The weekday the build's weeks start on (week_start var), read from the week periods of the marts."""
    frame = wh.query("select period_start from {marts}.fct_period_lifecycle where period_grain = 'week' limit 1")
    return pd.Timestamp(frame["period_start"].iloc[0]).weekday() if len(frame) else 0


def period_figures(wh: Warehouse, start: dt.date, end: dt.date) -> dict:
    """Activity, orders and signups of the days start..end."""
    params = (_d(start), _d(end))
    activity = _one(wh, """
        select count(distinct customer_id) as active_customers,
               count(distinct case when is_purchase_day then customer_id end) as purchasing_customers
        from {marts}.fct_customer_activity_daily where activity_date between cast(? as date) and cast(? as date)
    """, params)
    daily = _one(wh, """
        select avg(dau) as average_dau, avg(stickiness) as average_stickiness,
               max(case when activity_date = cast(? as date) then mau end) as mau_at_end
        from {marts}.fct_active_customers_daily where activity_date between cast(? as date) and cast(? as date)
    """, (_d(end), *params))
    orders = _one(wh, """
        select count(*) as orders, sum(net_revenue) as net_revenue, count(distinct customer_id) as buyers,
               sum(case when is_first_order then 1 else 0 end) as new_buyers,
               sum(case when order_sequence > 1 then 1 else 0 end) as repeat_orders
        from {marts}.fct_orders where order_date between cast(? as date) and cast(? as date)
    """, params)
    signups = _one(wh, "select count(*) as signups from {marts}.dim_customers"
                       " where signup_date between cast(? as date) and cast(? as date)", params)
    result = {**activity, **daily, **orders, **signups}
    result["net_revenue"] = float(result["net_revenue"]) if result["net_revenue"] is not None else 0.0
    result["average_order_value"] = result["net_revenue"] / result["orders"] if result["orders"] else None
    result["repeat_order_share"] = (result["repeat_orders"] or 0) / result["orders"] if result["orders"] else None
    return result


def retention_completed_in(wh: Warehouse, start: dt.date, end: dt.date, cohort_basis: str = "signup") -> dict:
    """Headline retention of the cohorts whose window ended inside start..end (so each figure is final by `end`):
    next-day retention of cohorts whose day 1 fell in the period, day-7 of those whose day 7 did, and so on."""
    parts = []
    for figure, days in HEADLINE_WINDOWS.items():
        window = (f"cohort_date + interval {days} day between cast(? as timestamp) and cast(? as timestamp)")
        parts.append(f"sum(case when {window} then {figure}_retained_customers end)"
                     f" / nullif(sum(case when {window} and {figure}_retained_customers is not null"
                     f" then cohort_size end), 0) as {figure}_retention")
    params = tuple(v for _ in HEADLINE_WINDOWS for v in (_d(start), _d(end), _d(start), _d(end)))
    return _one(wh, f"select {', '.join(parts)} from {{marts}}.fct_retention_headline where cohort_basis = ?",
                (*params, cohort_basis))


def first_period_retention(wh: Warehouse, grain: str, cohort_start: dt.date, cohort_basis: str,
                           activity_basis: str) -> float | None:
    row = wh.query("""
        select retention_rate from {marts}.fct_cohort_retention
        where cohort_basis = ? and activity_basis = ? and period_grain = ? and cohort_start = cast(? as date)
          and period_number = 1 and is_complete
    """, (cohort_basis, activity_basis, grain, _d(cohort_start)))
    return None if row.empty else float(row["retention_rate"].iloc[0])


def segment_retention(wh: Warehouse, grain: str, cohort: dt.date, before: dt.date, segment_type: str) -> pd.DataFrame:
    """Period-1 retention (signup cohorts, any activity) per segment value for `cohort` and for the cohort `before`."""
    return wh.query("""
        with cells as (
            select segment_value, cohort_start, cohort_size, retention_rate
            from {marts}.fct_cohort_retention_by_segment
            where segment_type = ? and cohort_basis = 'signup' and activity_basis = 'any_activity'
              and period_grain = ? and period_number = 1 and is_complete
              and cohort_start in (cast(? as date), cast(? as date))
        )
        select segment_value,
               max(case when cohort_start = cast(? as date) then cohort_size end) as cohort_size,
               max(case when cohort_start = cast(? as date) then retention_rate end) as retention_rate,
               max(case when cohort_start = cast(? as date) then cohort_size end) as previous_cohort_size,
               max(case when cohort_start = cast(? as date) then retention_rate end) as previous_retention_rate
        from cells group by 1 order by cohort_size desc nulls last, segment_value
    """, (segment_type, grain, _d(cohort), _d(before), _d(cohort), _d(cohort), _d(before), _d(before)))


def build_content(wh: Warehouse, grain: str, date_text: str | None) -> Content:
    tables = wh.tables()
    missing = [t for t in REQUIRED_MARTS if t not in tables]
    if missing:
        raise ReportError(f"the warehouse {wh.path} lacks {', '.join(missing)}: run `dbt build` first")
    as_of_ts = data.as_of_date(wh)
    if as_of_ts is None:
        raise ReportError("the warehouse has no activity yet")
    as_of = as_of_ts.date()
    period = resolve_period(grain, date_text, as_of, week_start_weekday(wh))
    first_day = data.activity_range(wh)[0].date()
    if period.end < first_day:
        raise ReportError(f"{period.label} ends before the first day of data ({first_day})")
    previous = period.shift(-1)
    known_at = min(period.end, as_of)
    content = Content(period, previous, as_of, known_at, str(wh.path))
    if period.end > as_of:
        content.notes.append(f"{period.label} is still in progress: figures cover {period.start} to {as_of} "
                             f"(as_of_date) and compare with the whole of the previous period.")

    # --- headline figures ---------------------------------------------------------------------------------------
    now = period_figures(wh, period.start, known_at)
    before = period_figures(wh, previous.start, previous.end)
    unit = period.grain
    content.figures = [
        Figure(f"Active customers (distinct, in the {unit})", now["active_customers"], before["active_customers"]),
        Figure("Average DAU", now["average_dau"], before["average_dau"]),
        Figure("MAU on the last day", now["mau_at_end"], before["mau_at_end"]),
        Figure("Stickiness (average DAU / MAU)", now["average_stickiness"], before["average_stickiness"], "rate"),
        Figure("New signups", now["signups"], before["signups"]),
        Figure("New buyers (first valid order)", now["new_buyers"], before["new_buyers"]),
        Figure("Buyers", now["buyers"], before["buyers"]),
        Figure("Orders", now["orders"], before["orders"]),
        Figure("Net revenue", now["net_revenue"], before["net_revenue"], "money"),
        Figure("Average order value", now["average_order_value"], before["average_order_value"], "money"),
        Figure("Share of orders from repeat customers", now["repeat_order_share"], before["repeat_order_share"], "rate"),
    ]
    if grain == "month":
        churn = wh.query("select * from {marts}.fct_churn_monthly where month_start in (cast(? as date), cast(? as date))",
                         (_d(period.start), _d(previous.start)))
        by_month = {pd.Timestamp(r["month_start"]).date(): r for _, r in churn.iterrows()}
        cur, prev = by_month.get(period.start), by_month.get(previous.start)

        def value(row, column):
            return None if row is None or pd.isna(row[column]) else float(row[column])

        content.figures.append(Figure("Monthly churn rate", value(cur, "churn_rate"), value(prev, "churn_rate"),
                                      "rate", "down", "entered churned / live customers at the start of the month"))
        content.flows = [
            Figure("Live customers at the start", value(cur, "customers_at_start"), value(prev, "customers_at_start")),
            Figure("New (first order)", value(cur, "new_customers"), value(prev, "new_customers")),
            Figure("Reactivated", value(cur, "reactivated_customers"), value(prev, "reactivated_customers")),
            Figure("Churned", value(cur, "churned_customers"), value(prev, "churned_customers"), better="down"),
            Figure("Net change", value(cur, "net_change"), value(prev, "net_change")),
        ]

    retention_now = retention_completed_in(wh, period.start, known_at)
    retention_before = retention_completed_in(wh, previous.start, previous.end)
    names = {"d1": "Next-day retention", "d7": "Day-7 retention", "d30": "Day-30 retention",
             "within_7d": "Within-7-days retention", "within_30d": "Within-30-days retention"}
    content.retention_figures = [
        Figure(names[f], retention_now[f"{f}_retention"], retention_before[f"{f}_retention"], "rate",
               note=f"signup cohorts whose day {days} fell in the period")
        for f, days in HEADLINE_WINDOWS.items()]
    # the previous period's cohort finished its period 1 during this period (final only once the period is over)
    finished = known_at >= period.end
    before_prior = previous.shift(-1).start
    content.retention_figures += [
        Figure(f"{unit.capitalize()}-1 retention of the {previous.short} signup cohort",
               first_period_retention(wh, grain, previous.start, "signup", "any_activity") if finished else None,
               first_period_retention(wh, grain, before_prior, "signup", "any_activity"), "rate",
               note=f"active in the {unit} after the signup {unit}"),
        Figure(f"{unit.capitalize()}-1 repeat purchase of the {previous.short} first-order cohort",
               first_period_retention(wh, grain, previous.start, "first_order", "purchase") if finished else None,
               first_period_retention(wh, grain, before_prior, "first_order", "purchase"), "rate",
               note=f"bought again in the {unit} after the first-order {unit}"),
    ]

    # --- cohort heatmap and curves (cells whose period ended by known_at) ---------------------------------------
    periods_shown = 12
    matrix = data.cohort_matrix(wh, "signup", "any_activity", grain, cohorts=12, max_period=periods_shown - 1,
                                up_to=period.start)
    if not matrix.empty:
        matrix = matrix[matrix["period_start"] <= pd.Timestamp(known_at)].copy()
        ends = [period_end_of(grain, pd.Timestamp(s)) for s in matrix["period_start"]]
        matrix["known_complete"] = [e <= pd.Timestamp(known_at) for e in ends]
    content.heatmap = matrix
    complete = matrix[matrix["known_complete"]] if not matrix.empty else matrix
    if not complete.empty:
        pooled = complete.groupby("period_number", as_index=False)[["retained_customers", "cohort_size"]].sum()
        pooled["retention_rate"] = pooled["retained_customers"] / pooled["cohort_size"]
        content.pooled = pooled
        latest = sorted(complete["cohort_start"].unique())[-6:]
        content.curves = complete[complete["cohort_start"].isin(latest)]

    # --- activity and headline trend ------------------------------------------------------------------------------
    content.activity = data.activity_daily(wh, pd.Timestamp(known_at) - pd.Timedelta(days=89), known_at)
    trend_start = (pd.Timestamp(period.start) - pd.DateOffset(months=11)).date() if grain == "month" else \
        period.start - dt.timedelta(days=7 * 11)
    content.headline_trend = headline_trend(wh, grain, trend_start, known_at)

    # --- lifecycle --------------------------------------------------------------------------------------------
    day_before = period.start - dt.timedelta(days=1)
    stages_then = data.stage_counts_on(wh, day_before).set_index("lifecycle_stage")["customers"]
    stages_now = data.stage_counts_on(wh, known_at).set_index("lifecycle_stage")["customers"]
    content.stages = pd.DataFrame({
        "lifecycle_stage": STAGES,
        "start": [int(stages_then.get(s, 0)) for s in STAGES],
        "end": [int(stages_now.get(s, 0)) for s in STAGES],
    })
    content.stages["change"] = content.stages["end"] - content.stages["start"]
    lifecycle_rows = wh.query("""
        select period_start, status, customers from {marts}.fct_period_lifecycle
        where period_grain = ? and period_start in (cast(? as date), cast(? as date))
    """, (grain, _d(period.start), _d(previous.start)))
    lookup = {(pd.Timestamp(r["period_start"]).date(), r["status"]): r["customers"] for _, r in lifecycle_rows.iterrows()}
    content.period_lifecycle = [
        Figure(f"{status.capitalize()} customers (period lifecycle)", lookup.get((period.start, status)),
               lookup.get((previous.start, status)), better="down" if status == "dormant" else "up")
        for status in ["new", "returning", "resurrecting", "dormant"]]

    # --- segments -------------------------------------------------------------------------------------------------
    if known_at >= period.end:
        cohort, cohort_prior = previous.start, previous.shift(-1).start
    else:  # the previous cohort's period 1 is this (unfinished) period: use the last finished one
        cohort, cohort_prior = previous.shift(-1).start, previous.shift(-2).start
    content.channels = segment_retention(wh, grain, cohort, cohort_prior, "acquisition_channel")
    content.countries = segment_retention(wh, grain, cohort, cohort_prior, "country").head(12)
    content.notes.append(f"Segment retention: {grain}-1 retention of the signup cohort of "
                         f"{Period(grain, cohort, period_end_of(grain, pd.Timestamp(cohort)).date()).short} against "
                         f"the cohort before it.")
    content.rfm = data.rfm_segments(wh)
    content.tiers = wh.query("""
        select membership_tier, count(*) as customers, sum(lifetime_net_revenue) as lifetime_net_revenue
        from {marts}.dim_customers group by 1
    """)

    content.movements = notable_movements(content)
    return content


def headline_trend(wh: Warehouse, grain: str, start: dt.date, known_at: dt.date) -> pd.DataFrame:
    """Next-day, day-7 and within-30 retention per cohort month (or week), each over the cohorts whose window had
    ended by known_at."""
    unit = "month" if grain == "month" else "week"
    parts = []
    for figure, days in HEADLINE_WINDOWS.items():
        done = f"cohort_date + interval {days} day <= cast(? as timestamp)"
        parts.append(f"sum(case when {done} then {figure}_retained_customers end) / nullif(sum(case when {done}"
                     f" and {figure}_retained_customers is not null then cohort_size end), 0) as {figure}_retention")
    params = tuple(_d(known_at) for _ in HEADLINE_WINDOWS for _ in range(2))
    sql = f"""
        select date_trunc('{unit}', cohort_date) as cohort_period, sum(cohort_size) as cohort_size, {', '.join(parts)}
        from {{marts}}.fct_retention_headline
        where cohort_basis = 'signup' and cohort_date between cast(? as date) and cast(? as date)
        group by 1 order by 1
    """
    return wh.query(sql, (*params, _d(start), _d(known_at)))


def notable_movements(content: Content, rel: float = 0.10, pp: float = 0.02, min_base: float = 20) -> list[str]:
    """Plain-language bullets for the changes worth a sentence: counts and money that moved by 10% or more (on a base
    of at least 20), rates that moved by 2 share points or more, segments far from the whole, stage shifts."""
    items: list[tuple[float, str]] = []
    unit = content.period.grain
    seen: set[tuple] = set()
    for figure in content.figures + content.retention_figures + content.flows + content.period_lifecycle:
        change = figure.change
        if change is None or (figure.current, figure.previous) in seen:  # the same count under two names
            continue
        seen.add((figure.current, figure.previous))
        if figure.kind == "rate":
            if abs(change) < pp:
                continue
            size = abs(change) / pp
            text = (f"{figure.name} {'rose' if change > 0 else 'fell'} from {figure.previous:.1%} to "
                    f"{figure.current:.1%} ({change * 100:+.1f} pp).")
        else:
            if abs(change) < rel or (figure.previous or 0) < min_base:
                continue
            size = abs(change) / rel
            fmt = "{:,.0f}"
            text = (f"{figure.name} {'rose' if change > 0 else 'fell'} {abs(change):.0%} on the previous {unit} "
                    f"({fmt.format(figure.previous)} to {fmt.format(figure.current)}).")
        good = None if figure.better is None else (change > 0) == (figure.better == "up")
        mark = "" if good is None else (" (good)" if good else " (watch)")
        items.append((size, text + mark))
    for label, frame in (("acquisition channel", content.channels), ("country", content.countries)):
        if frame is None or frame.empty:
            continue
        sized = frame[(frame["cohort_size"] >= 30) & frame["retention_rate"].notna()]
        if sized.empty:
            continue
        overall = (sized["retention_rate"] * sized["cohort_size"]).sum() / sized["cohort_size"].sum()
        for _, row in sized.iterrows():
            gap = row["retention_rate"] - overall
            if abs(gap) >= 0.05:
                items.append((abs(gap) / pp * 0.3,
                              f"{label.capitalize()} {row['segment_value']}: {unit}-1 retention {row['retention_rate']:.1%}, "
                              f"{gap * 100:+.1f} pp against the cohort as a whole ({row['cohort_size']:,.0f} customers)."))
    if content.stages is not None:
        for _, row in content.stages.iterrows():
            if row["start"] >= min_base and abs(row["change"]) / row["start"] >= 0.15:
                items.append((abs(row["change"]) / row["start"] / rel * 0.6,
                              f"Customers in the {row['lifecycle_stage']} stage went from {row['start']:,} to "
                              f"{row['end']:,} ({row['change']:+,})."))
    items.sort(key=lambda item: -item[0])
    return [text for _, text in items[:10]]
