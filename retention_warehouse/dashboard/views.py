"""The dashboard's pages: one function per page, each drawing from the aggregated queries in data.py."""

from __future__ import annotations

import datetime as dt
import re
import time

import duckdb
import pandas as pd
import streamlit as st

from retention_warehouse.dashboard import charts, data, insight

GRAIN_DEFAULTS = {"day": (30, 30), "week": (20, 20), "month": (18, 18)}  # cohorts shown, periods shown
AUDIENCES = {
    "fct_audience_browse_abandonment": "Browse abandonment - viewed a product 3+ times in the last 24 hours, no order",
    "fct_audience_cart_abandonment": "Cart abandonment - added to cart, no order within 24 hours",
    "fct_audience_win_back": "Win-back - dormant or churned customers of high historical value",
    "fct_audience_churn_warning": "Churn warning - live customers overdue against their own purchase rhythm",
}


# --- formatting -------------------------------------------------------------------------------------------------

NA = "n/a"  # a tile with no figure; its reason leads the tile's help and a caption under its row (Tiles)
MISSING = "—"  # a table cell with no value; the caption under the table says why (table)


def _missing(value) -> bool:
    return value is None or pd.isna(value)


def pct(value, digits: int = 1) -> str:
    return NA if _missing(value) else f"{value:.{digits}%}"


def num(value) -> str:
    return NA if _missing(value) else f"{value:,.0f}"


def money(value, currency: str | None = None, digits: int = 0) -> str:
    """An amount with its currency code (the project's reporting_currency unless given). From 100,000 on it is
    shortened (201.6k, 1.23M, 4.56bn) so that a tile stays readable at 1280 px; money_exact gives the full figure
    for the tile's help."""
    if _missing(value):
        return NA
    currency = currency or insight.reporting_currency()
    size = abs(value)
    for limit, divisor, suffix, places in ((1e9, 1e9, "bn", 2), (1e6, 1e6, "M", 2), (1e5, 1e3, "k", 1)):
        if size >= limit:
            return f"{currency} {value / divisor:,.{places}f}{suffix}"
    return f"{currency} {value:,.{digits}f}"


def money_exact(value, currency: str | None = None) -> str:
    return NA if _missing(value) else f"{currency or insight.reporting_currency()} {value:,.2f}"


def delta_pp(current, previous) -> str | None:
    if current is None or previous is None or pd.isna(current) or pd.isna(previous):
        return None
    points = round((current - previous) * 100, 1)
    return f"{points + 0.0:+.1f} pp"  # + 0.0 turns -0.0 into 0.0


def delta_rel(current, previous) -> str | None:
    if current is None or previous is None or pd.isna(current) or pd.isna(previous) or previous == 0:
        return None
    return f"{current / previous - 1:+.1%}"


def not_built(table: str, what: str) -> None:
    st.info(f"**{what}: not built yet.** The mart `{table}` is not in this warehouse. It appears here as soon as a "
            f"`dbt build` creates it.", icon=":material/hourglass_empty:")


class Tiles:
    """A row of st.metric tiles in which a missing figure says why: the tile reads "n/a", its help starts with
    "n/a - <reason>", and a caption under the row repeats every reason, so it shows without hovering.

        with Tiles(4) as tiles:
            tiles.metric(0, "Period 1 retention", pct(rate), reason="no cohort has a complete period 1 yet")
    """

    def __init__(self, spec):
        self.columns = st.columns(spec)
        self.missing: list[tuple[str, str]] = []

    def __enter__(self) -> Tiles:
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None and self.missing:
            st.caption("  \n".join(f"**{label}**: {NA} - {reason}." for label, reason in self.missing))

    def metric(self, index: int, label: str, value: str, delta=None, *, reason: str | None = None,
               help: str | None = None, **kwargs) -> None:
        if value == NA:
            reason = reason or "the mart has no value for it"
            self.missing.append((label, reason))
            help = f"{NA} - {reason}." + (f" {help}" if help else "")
            delta = None
        self.columns[index].metric(label, value, delta, help=help, **kwargs)


# why a column of a mart can be empty (first match wins), said under every table that shows an empty cell
MISSING_REASONS = (
    (r"^value_group$", "neither value group (high_value: R 5, F 4-5, M 4-5; low_value: R 1, F 1-2, M 1-2)"),
    (r"^avg_(recency_days|frequency)$", "no customer in the segment"),
    (r"^average_days_between_orders$", "a single purchase day, so no gap between orders yet"),
    (r"redeem|redemption", "never redeemed"),
    (r"_(lift|z_score|p_value|lift_ci_lower|lift_ci_upper)$", "the control variant (compared with itself)"),
    (r"^(d\d+|within_\d+d)_retention$", "no cohort of the month has its whole window on or before as_of_date"),
    (r"^coupon_|difference|^ci_(lower|upper)$", "no first order with a coupon in the slice"),
    (r"^other_", "no first order without a coupon in the slice"),
    (r"(retention_rate|retained_customers|cohort_customers|value_per_customer|cumulative_net_revenue)$",
     "not complete yet: its days have not all passed by as_of_date"),
    (r"predicted|probability|expected|days_to_next|_clv$", "no prediction: see prediction_status"),
)
# money columns of the marts (a share of money is not money): labelled with the reporting currency in every table
MONEY_COLUMN = re.compile(r"^(?!share_)(?!.*_share$).*(revenue|monetary|_clv$|amount|value_at_risk|order_value|"
                          r"value_per_customer|balance_value|list_value|liability)")


def missing_reason(column: str) -> str:
    for pattern, reason in MISSING_REASONS:
        if re.search(pattern, column):
            return reason
    return "no value in the mart (see the column's description in the dbt docs)"


def table(frame: pd.DataFrame, *, percent: list[str] = (), height: int | str = "auto",
          missing: dict[str, str] | None = None, currency: str | None = None) -> None:
    """A dataframe with dates shown as dates, rates as percentages, money without float noise and with its
    currency in the column title, and an empty cell shown as a dash whose reason is given under the table
    (`missing` overrides MISSING_REASONS per column)."""
    currency = currency or insight.reporting_currency()
    config = {}
    gaps = {}
    for column in frame.columns:
        kind = frame[column].dtype
        reason = None
        if frame[column].isna().any():
            reason = (missing or {}).get(column) or missing_reason(column)
            gaps[column] = reason
        help_text = f"{MISSING} = {reason}" if reason else None
        if column in percent:
            config[column] = st.column_config.NumberColumn(format="percent", help=help_text)
        elif pd.api.types.is_datetime64_any_dtype(kind):
            values = frame[column].dropna()
            is_date = len(values) == 0 or (values == values.dt.normalize()).all()
            config[column] = (st.column_config.DateColumn(format="YYYY-MM-DD", help=help_text) if is_date
                              else st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm", help=help_text))
        elif pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind) \
                and MONEY_COLUMN.search(column):
            config[column] = st.column_config.NumberColumn(f"{column} ({currency})", format="%,.2f", help=help_text)
        elif pd.api.types.is_float_dtype(kind):
            values = frame[column].dropna()
            whole = len(values) > 0 and bool((values == values.round()).all())  # counts summed as doubles
            config[column] = st.column_config.NumberColumn(format="%d" if whole else "%.2f", help=help_text)
        elif help_text:
            config[column] = st.column_config.Column(help=help_text)
    st.dataframe(frame, hide_index=True, column_config=config, height=height, placeholder=MISSING)
    if gaps:
        st.caption(f"{MISSING} = no value: " + "; ".join(f"`{column}` {reason}" for column, reason in gaps.items())
                   + ".")


# --- pages --------------------------------------------------------------------------------------------------------

def overview(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    st.caption(f"Every figure is as of **{as_of:%Y-%m-%d}** (as_of_date, the last complete day of data); deltas "
               "compare with the 30 days (activity: 28 days) before.")
    figures = data.overview(wh, as_of)
    activity = figures["activity"]
    now = activity.iloc[0]
    before = activity.iloc[1] if len(activity) > 1 else None
    # signup cohorts of the 30 days whose 7-day window has ended, against the 30 days before them
    d7_start, d7_end = as_of - pd.Timedelta(days=36), as_of - pd.Timedelta(days=7)
    d7_now = data.headline_between(wh, "signup", d7_start, d7_end)
    d7_before = data.headline_between(wh, "signup", as_of - pd.Timedelta(days=66), as_of - pd.Timedelta(days=37))
    churn = data.churn_monthly(wh)
    complete = churn[churn["is_complete"]]
    previous = {name: (before[name] if before is not None else None) for name in ("dau", "mau", "stickiness")}
    d7_reason = "no cohort with a complete 7-day window"
    if _missing(d7_now["cohort_size"]) or not d7_now["cohort_size"]:
        d7_reason += f": nobody signed up between {d7_start:%Y-%m-%d} and {d7_end:%Y-%m-%d}"
    with Tiles(4) as row1:
        row1.metric(0, "DAU", num(now["dau"]), delta_rel(now["dau"], previous["dau"]))
        row1.metric(1, "MAU (30 days)", num(now["mau"]), delta_rel(now["mau"], previous["mau"]))
        row1.metric(2, "Stickiness (DAU/MAU)", pct(now["stickiness"]),
                    delta_pp(now["stickiness"], previous["stickiness"]),
                    reason="no active customer in the 30 days (MAU is 0)")
        row1.metric(3, "Customers", num(figures["customers"]), f"{figures['new_signups']:,.0f} signed up in 30 days",
                    delta_color="off", delta_arrow="off")
    currency = insight.reporting_currency()
    with Tiles(4) as row2:
        row2.metric(0, "Net revenue, 30 days", money(figures["net_revenue"], currency),
                    delta_rel(figures["net_revenue"], figures["previous_net_revenue"]),
                    reason="no order in the 30 days",
                    help=f"{money_exact(figures['net_revenue'], currency)}: valid orders of the 30 days ending "
                         f"as_of_date, net of discounts and refunds, in the reporting currency {currency}.")
        row2.metric(1, "Orders, 30 days", num(figures["orders"]),
                    delta_rel(figures["orders"], figures["previous_orders"]))
        row2.metric(2, "Within-7-days retention", pct(d7_now["within_7d_retention"]),
                    delta_pp(d7_now["within_7d_retention"], d7_before["within_7d_retention"]),
                    reason=d7_reason,
                    help="Signup cohorts of the 30 days ending 7 days before as_of_date (their 7-day window is "
                         "complete), against the 30 days before them.")
        if len(complete):
            last = complete.iloc[-1]
            earlier = complete.iloc[-2] if len(complete) > 1 else None
            row2.metric(3, f"Churn rate {last['month_start']:%b %Y}", pct(last["churn_rate"], 2),
                        delta_pp(last["churn_rate"], earlier["churn_rate"] if earlier is not None else None),
                        delta_color="inverse", reason="nobody was live at the start of the month")
        else:
            row2.metric(3, "Churn rate", NA, reason="no calendar month has ended by as_of_date yet")
    left, right = st.columns(2)
    with left:
        st.markdown("**Active customers, last 180 days**")
        st.altair_chart(charts.active_customers(data.activity_daily(wh, as_of - pd.Timedelta(days=179), as_of)),
                        width="stretch")
    with right:
        st.markdown("**Customer flows per month** (new, reactivated, churned)")
        st.altair_chart(charts.churn_flows(churn.tail(18)), width="stretch")


def cohorts(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    c1, c2, c3, c4 = st.columns(4)
    cohort_basis = c1.selectbox("Cohort basis", ["signup", "first_order"], key="cohort_basis",
                                format_func={"signup": "signup (registration)", "first_order": "first order"}.get)
    activity_basis = c2.selectbox("Activity basis", ["any_activity", "purchase"], key="activity_basis",
                                  format_func={"any_activity": "any activity", "purchase": "purchase"}.get)
    grain = c3.selectbox("Grain", ["month", "week", "day"], key="grain")
    measure = c4.selectbox("Retention", ["retention_rate", "unbounded_retention_rate"], key="measure",
                           format_func={"retention_rate": "classic (in period n)",
                                        "unbounded_retention_rate": "unbounded (n or later)"}.get,
                           help="Classic: active in period n. Unbounded: active in period n or any later period.")
    s1, s2, s3, s4 = st.columns(4)
    split_options = ["all"] if grain == "day" else ["all", "acquisition_channel", "country"]
    split = s1.selectbox("Segment", split_options, key=f"split_{grain}",
                         format_func={"all": "all customers", "acquisition_channel": "by acquisition channel",
                                      "country": "by country"}.get,
                         help="Segments are sliced for week and month cohorts (fct_cohort_retention_by_segment).")
    segment_type = segment_value = None
    if split != "all":
        segment_type = split
        segment_value = s2.selectbox("Value", data.segment_values(wh, split), key=f"segment_{split}")
    default_cohorts, default_periods = GRAIN_DEFAULTS[grain]
    shown = s3.slider("Cohorts shown (latest)", 3, 60, default_cohorts, key=f"cohorts_{grain}")
    periods = s4.slider(f"Periods shown ({grain}s)", 3, 60, default_periods, key=f"periods_{grain}")
    show_incomplete = st.toggle("Show periods in progress (faded)", value=False, key="show_incomplete")

    matrix = data.cohort_matrix(wh, cohort_basis, activity_basis, grain, cohorts=shown, max_period=periods,
                                segment_type=segment_type, segment_value=segment_value)
    pooled = data.pooled_curve(wh, cohort_basis, activity_basis, grain, max_period=periods,
                               segment_type=segment_type, segment_value=segment_value)
    if matrix.empty:
        st.warning("No cohorts for this selection.")
        return
    rate_at = pooled.set_index("period_number")[measure]
    sizes = matrix.drop_duplicates("cohort_start")["cohort_size"]
    far = min(periods, {"day": 30, "week": 12, "month": 6}[grain])
    with Tiles(4) as tiles:
        tiles.metric(0, "Cohorts shown", f"{matrix['cohort_start'].nunique():,}",
                     help="Latest cohorts of the selection.")
        tiles.metric(1, "Customers in them", f"{sizes.sum():,}")
        for index, n in ((2, 1), (3, far)):
            tiles.metric(index, f"Period {n} retention", pct(rate_at.get(n)),
                         reason=f"no cohort of the selection has a complete {grain} {n} yet",
                         help=f"Period {n} = {n} {grain}{'s' if n > 1 else ''} after the cohort's {grain} ({grain} "
                              f"grain); all cohorts of the selection pooled: sum(retained) / sum(cohort size) over "
                              f"every complete period-{n} cell.")
    st.markdown(f"**Retention heatmap** - {cohort_basis.replace('_', ' ')} cohorts, "
                f"{activity_basis.replace('_', ' ')}, by {grain}"
                + (f", {segment_type.replace('_', ' ')} = {segment_value}" if segment_type else ""))
    st.altair_chart(charts.retention_heatmap(matrix, grain, measure, show_incomplete), width="stretch")
    st.caption("A cell is complete when its whole period lies on or before as_of_date; periods in progress never "
               "enter an average. Period 0 of signup cohorts on any activity is 100% (registering is activity), so "
               "the colour scale is capped at the highest later rate.")
    st.markdown("**Retention curves** - the latest cohorts and every cohort pooled (dashed)")
    st.altair_chart(charts.retention_curves(matrix, pooled, grain, measure), width="stretch")
    st.markdown("**Headline retention by cohort month** (any activity; each figure over complete cohorts only)")
    headline = data.headline_by_month(wh, cohort_basis)
    st.altair_chart(charts.headline_lines(headline), width="stretch")
    with st.expander("Headline table"):
        table(headline, percent=[c for c in headline.columns if c.endswith("retention")])


def activity(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    first, last = data.activity_range(wh)
    default_start = max(first, last - pd.Timedelta(days=179))
    picked = st.date_input("Date range", value=(default_start.date(), last.date()), min_value=first.date(),
                           max_value=last.date(), key="activity_range")
    start, end = (picked if isinstance(picked, (tuple, list)) and len(picked) == 2 else (default_start.date(), last.date()))
    daily = data.activity_daily(wh, start, end)
    if daily.empty:
        st.warning("No days in this range.")
        return
    with Tiles(4) as tiles:
        tiles.metric(0, "Average DAU", f"{daily['dau'].mean():,.1f}")
        tiles.metric(1, "Average WAU", f"{daily['wau'].mean():,.1f}")
        tiles.metric(2, "Average MAU", f"{daily['mau'].mean():,.1f}")
        tiles.metric(3, "Average stickiness", pct(daily["stickiness"].mean()),
                     reason="no active customer in the range (MAU is 0 on every day)")
    st.altair_chart(charts.active_customers(daily), width="stretch")
    st.markdown("**Stickiness** (DAU / MAU, with its 7-day mean)")
    st.altair_chart(charts.stickiness(daily), width="stretch")
    left, right = st.columns(2)
    with left:
        st.markdown("**Monthly active customers** (calendar month; the month in progress faded)")
        st.altair_chart(charts.monthly_actives(data.monthly_actives(wh)), width="stretch")
    with right:
        grain = st.segmented_control("Lifecycle grain", ["week", "month"], default="week", key="lifecycle_grain",
                                     required=True)
        st.markdown(f"**Period lifecycle by {grain}** (new, returning, resurrecting; dormant below zero)")
        st.altair_chart(charts.period_lifecycle(data.period_lifecycle(wh, grain, start), grain), width="stretch")
    st.markdown("**Stickiness distribution** - customers by number of active days in a period")
    d1, d2 = st.columns([1, 3])
    dist_grain = d1.selectbox("Period", ["week", "month"], key="dist_grain")
    periods = data.stickiness_periods(wh, dist_grain)
    if len(periods):
        starts = [pd.Timestamp(d) for d in periods["period_start"]]
        complete = [i for i, done in enumerate(periods["is_complete"]) if done]
        period = d2.selectbox("Starting", starts, index=complete[0] if complete else 0,  # latest complete period
                              format_func=lambda d: f"{d:%Y-%m-%d}", key=f"dist_period_{dist_grain}")
        st.altair_chart(charts.stickiness_histogram(data.stickiness_distribution(wh, dist_grain, period), dist_grain),
                        width="stretch")


def lifecycle(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    now = data.stage_counts_on(wh, as_of).set_index("lifecycle_stage")["customers"]
    before = data.stage_counts_on(wh, as_of - pd.Timedelta(days=30)).set_index("lifecycle_stage")["customers"]
    st.caption(f"Customers per stage on {as_of:%Y-%m-%d}; below each, the change since 30 days earlier."
               if len(before) else f"Customers per stage on {as_of:%Y-%m-%d}.")
    cols = st.columns(len(charts.STAGE_ORDER))
    for col, stage in zip(cols, charts.STAGE_ORDER):
        value = now.get(stage, 0)
        change = f"{value - before.get(stage, 0):+,.0f}" if len(before) else None
        col.metric(stage, num(value), change, delta_color="off", delta_arrow="off",
                   help=f"{change} since {as_of - pd.Timedelta(days=30):%Y-%m-%d}" if change else None)
    c1, c2 = st.columns([1, 3])
    grain = c1.selectbox("Sampled at the end of each", ["week", "month", "day"], key="stage_grain")
    first, last = data.activity_range(wh)
    since = c2.slider("From", min_value=first.date(), max_value=last.date(), value=first.date(), key="stage_since",
                      format="YYYY-MM-DD")
    st.altair_chart(charts.lifecycle_stages(data.lifecycle_stages(wh, grain, since)), width="stretch")
    st.caption("Stages per metrics.md: new < 30 days since the first order; active: order or activity in 30 days; "
               "lapsing 30..90 days since the last order; dormant 91..180; churned after 180 days.")
    churn = data.churn_monthly(wh)
    left, right = st.columns(2)
    with left:
        st.markdown("**Monthly churn rate** (entered churned / live at the start of the month; dashed = in progress)")
        st.altair_chart(charts.churn_rate(churn), width="stretch")
    with right:
        st.markdown("**New, reactivated and churned customers per month**")
        st.altair_chart(charts.churn_flows(churn), width="stretch")
    st.markdown("**Churn warning** - live customers overdue against their own purchase rhythm, by value at risk")
    summary = wh.query("select count(*) as customers, sum(value_at_risk) as value_at_risk"
                       " from {marts}.fct_churn_warning").iloc[0]
    w1, w2 = st.columns([3, 1])
    with w1:
        table(data.churn_warning(wh, limit=50), height=300)
    currency = insight.reporting_currency()
    w2.metric("Customers warned", num(summary["customers"]))
    w2.metric("Value at risk", money(summary["value_at_risk"] if summary["customers"] else 0, currency),
              help=f"{money_exact(summary['value_at_risk'] if summary['customers'] else 0, currency)}: summed over the "
                   "warned customers (each one's predicted CLV where there is one, else their lifetime net revenue).")
    w2.download_button("Download CSV", data=lambda: data.table_csv(wh, "fct_churn_warning"),
                       file_name=f"churn_warning_{as_of:%Y%m%d}.csv", mime="text/csv", key="dl_churn_warning",
                       on_click="ignore")


def value(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    currency = insight.reporting_currency()
    grid = data.rfm_grid(wh)
    segments = data.rfm_segments(wh)
    st.markdown("**RFM grid** - customers per recency x frequency score cell (as of as_of_date), coloured by the "
                "cell's main segment; hover for every segment in the cell. Frequency ties share a score, so one-time "
                "buyers all score F = 1 and some F scores can stay empty.")
    st.altair_chart(charts.rfm_grid(grid, currency), width="stretch")
    st.caption(rfm_counts_note(grid, segments, data.rfm_segment_cells(wh)))
    st.markdown("**Segments** - share of customers and of revenue in the RFM window")
    left, right = st.columns([3, 2])
    with left:
        st.altair_chart(charts.segment_bars(segments), width="stretch")
    with right:
        with st.expander("What each segment means"):
            for _, row in segments.iterrows():
                st.markdown(f"- **{row['rfm_segment']}**: {row['segment_description']}")
    table(segments.drop(columns=["segment_description"]), percent=["share_of_customers", "share_of_monetary"],
          currency=currency)
    tiers = data.tier_mix(wh)
    st.markdown("**Membership tiers** - lifecycle-stage mix within each tier")
    t1, t2 = st.columns(2)
    t1.altair_chart(charts.tier_mix(tiers), width="stretch")
    totals = tiers.groupby("membership_tier", as_index=False)[["customers", "lifetime_net_revenue"]].sum()
    totals["membership_tier"] = pd.Categorical(totals["membership_tier"], charts.TIER_ORDER, ordered=True)
    with t2:
        table(totals.sort_values("membership_tier"), currency=currency)
    left, right = st.columns(2)
    with left:
        n = st.slider("LTV cohorts", 3, 24, 12, key="ltv_cohorts")
        st.markdown(f"**Cohort LTV** - cumulative net revenue per first-order customer in {currency} (complete months)")
        st.altair_chart(charts.ltv_curves(data.cohort_ltv(wh, n), currency), width="stretch")
    with right:
        st.markdown("**Repeat-purchase rate** by first-order month (complete windows only)")
        st.altair_chart(charts.repeat_rates(data.repeat_purchase(wh)), width="stretch")
    st.markdown("**Predicted CLV** (BG/NBD x Gamma-Gamma over the next clv_horizon_days)")
    if not wh.has("fct_customer_clv"):
        not_built("fct_customer_clv", "Predicted CLV")
        return
    summary = data.clv_summary(wh).iloc[0]
    none_scored = "no customer is scored (fct_customer_clv is empty)"
    with Tiles(4) as tiles:
        tiles.metric(0, "Customers scored", num(summary["customers"]))
        tiles.metric(1, "Predicted CLV, total", money(summary["predicted_clv"], currency), reason=none_scored,
                     help=f"{money_exact(summary['predicted_clv'], currency)} over the scored customers.")
        tiles.metric(2, "Median predicted CLV", money(summary["median_predicted_clv"], currency, digits=2),
                     reason=none_scored)
        tiles.metric(3, "Mean P(alive)", pct(summary["avg_p_alive"]), reason=none_scored)
    left, right = st.columns(2)
    with left:
        st.altair_chart(charts.histogram(data.clv_histogram(wh, "predicted_clv"),
                                         f"predicted CLV, {currency} (99th pct in last bin)"), width="stretch")
    with right:
        st.altair_chart(charts.histogram(data.clv_histogram(wh, "p_alive"), "P(alive)", ".0%"), width="stretch")
    if wh.has("fct_clv_parameters"):
        with st.expander("Fitted parameters"):
            table(data.table_preview(wh, "fct_clv_parameters", 50))
    _predictions(wh)


def rfm_counts_note(grid: pd.DataFrame, segments: pd.DataFrame, cells: pd.DataFrame) -> str:
    """Why the grid's numbers and the segment table's differ, with the total both add up to."""
    in_grid, in_table = int(grid["customers"].sum()), int(segments["customers"].sum())
    note = ("Two counts: a grid cell counts every customer with that R and F score, whichever segment their M "
            "score puts them in (a cell marked 'k segments' is shared; hover for the split), while the table counts "
            "one segment's customers over all the cells it covers")
    spread = cells[cells["cells"] > 1].head(1)
    if len(spread):
        row = spread.iloc[0]
        note += f" (e.g. {row['rfm_segment']}: {row['customers']:,} customers in {row['cells']} cells)"
    total = (f"both add up to the same {in_grid:,} scored customers" if in_grid == in_table else
             f"the grid holds {in_grid:,} customers, the table {in_table:,}")
    return f"{note}; {total}."


def _predictions(wh: data.Warehouse) -> None:
    st.markdown("**Predictive fields** (Klaviyo's set, fct_customer_predictions): predicted orders and CLV over the "
                "horizon, churn probability = 1 - P(alive), expected date of next order = the median day of the "
                "next order within the horizon. Null, with the failing condition as the status, where Klaviyo's "
                "conditions (vars `predictive_min_customers`, `predictive_min_history_days`, "
                "`predictive_min_repeat_orders`) do not hold.")
    if not wh.has("fct_customer_predictions"):
        not_built("fct_customer_predictions", "Predictive fields")
        return
    summary = data.predictions_summary(wh)
    ok = summary[summary["prediction_status"] == "ok"]
    if ok.empty:
        st.info("No predictions: " + ", ".join(f"{row.prediction_status} ({row.customers:,} customers)"
                                              for row in summary.itertuples()))
        return
    row = ok.iloc[0]
    with Tiles(3) as tiles:
        tiles.metric(0, "Customers predicted", num(row["customers"]))
        tiles.metric(1, "Median days to next order", num(row["median_days_to_next_order"]),
                     reason="no predicted customer has an expected next order within the horizon")
        tiles.metric(2, "Next order expected within 30 days", num(row["expected_within_30_days"]))
    table(data.table_preview(wh, "fct_customer_predictions", 100, order_by="predicted_clv desc nulls last"),
          percent=["churn_probability", "order_within_horizon_probability"])


def experiments(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    st.caption("Retention of customers assigned to each variant, against control: lift = retention of the variant - "
               "retention of control; two-sided p-value of the pooled two-proportion z-test; 95% interval of the "
               "lift with the unpooled (Wald) standard error. Only customers whose window is complete count.")
    if not wh.has("fct_experiment_retention"):
        not_built("fct_experiment_retention", "Experiment retention")
    else:
        frame = data.experiment_retention(wh)
        if frame.empty:
            st.info("No experiment has assignments yet.")
        else:
            e1, e2 = st.columns([3, 1])
            chosen = e1.selectbox("Experiment", list(frame["experiment_id"].unique()), key="experiment")
            window = e2.segmented_control("Window", ["7d", "30d"], default="7d", key="experiment_window",
                                          required=True)
            rows = frame[frame["experiment_id"] == chosen]
            prefix = f"within_{window}"
            with Tiles(max(len(rows), 1)) as tiles:
                for index, (_, row) in enumerate(rows.iterrows()):
                    p_value = row[f"{prefix}_p_value"]
                    tiles.metric(index, f"{row['variant']}{' (control)' if row['is_control'] else ''}",
                                 pct(row[f"{prefix}_retention"]),
                                 None if row["is_control"] else delta_pp(
                                     row[f"{prefix}_retention"], row[f"{prefix}_retention"] - row[f"{prefix}_lift"]),
                                 reason=f"no customer of the variant has a complete {window} window yet",
                                 help=f"{row['customers_assigned']:,.0f} assigned, "
                                      f"{row[f'eligible_customers_{window}']:,.0f} with a complete window"
                                      + ("" if row["is_control"] or _missing(p_value) else f"; p = {p_value:.3g}"))
            variants = rows[~rows["is_control"]].dropna(subset=[f"{prefix}_lift"])
            if len(variants):
                st.markdown(f"**Lift of {window} retention over control** with its 95% interval")
                st.altair_chart(charts.lift_chart(variants, "variant", f"{prefix}_lift", f"{prefix}_lift_ci_lower",
                                                  f"{prefix}_lift_ci_upper"), width="stretch")
            show = ["variant", "is_control", "customers_assigned", f"eligible_customers_{window}",
                    f"retained_customers_{window}", f"{prefix}_retention", f"{prefix}_lift", f"{prefix}_p_value",
                    f"{prefix}_lift_ci_lower", f"{prefix}_lift_ci_upper"]
            table(rows[[c for c in show if c in rows.columns]], percent=[f"{prefix}_retention", f"{prefix}_lift",
                                                                          f"{prefix}_lift_ci_lower",
                                                                          f"{prefix}_lift_ci_upper"])
    st.markdown("### First-purchase experience")
    st.caption("First-order cohort retention sliced by first-order attributes, to trace a low day-7 retention to "
               "its cause (slow delivery, no discount, channel, category).")
    if not wh.has("fct_first_purchase_experience"):
        not_built("fct_first_purchase_experience", "First-purchase experience")
        return
    experience = data.first_purchase_experience(wh)
    slices = [s for s in experience["slice_type"].unique() if s != "all"]
    if not slices:
        st.info("No first orders yet.")
        return
    f1, f2 = st.columns([3, 1])
    slice_type = f1.selectbox("Slice by", slices, key="experience_slice")
    measure = f2.selectbox("Measure", ["within_7d_retention", "within_30d_retention", "repeat_rate_90d"],
                           key="experience_measure")
    overall = experience.loc[experience["slice_type"] == "all", measure]
    st.altair_chart(charts.slice_bars(experience[experience["slice_type"] == slice_type], "slice_value", measure,
                                      "first_order_customers", overall.iloc[0] if len(overall) else None),
                    width="stretch")


def activation(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    st.markdown("### Funnel: viewed a product, added to cart, started checkout, ordered")
    if wh.has("fct_funnel_daily"):
        _funnel(wh, as_of)
    else:
        not_built("fct_funnel_daily", "Daily funnel")
    st.markdown("### Audiences on as_of_date, downloadable as CSV")
    for table_name, description in AUDIENCES.items():
        title, _, detail = description.partition(" - ")
        st.markdown(f"**{title}** - {detail}")
        if not wh.has(table_name):
            not_built(table_name, f"{title} audience")
            continue
        count = data.table_count(wh, table_name)
        a1, a2 = st.columns([4, 1])
        a2.metric("Customers", f"{count:,}")
        a2.download_button("Download CSV", data=lambda t=table_name: data.table_csv(wh, t),
                           file_name=f"{table_name.removeprefix('fct_')}_{as_of:%Y%m%d}.csv", mime="text/csv",
                           key=f"dl_{table_name}", on_click="ignore", disabled=count == 0)
        with a1:
            if count:
                table(data.table_preview(wh, table_name, 100), height=220)
            else:
                st.caption(f"Nobody is in this audience on {as_of:%Y-%m-%d}.")


def _funnel(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    f1, f2 = st.columns([1, 3])
    channels = data.funnel_channels(wh) if wh.has("fct_funnel_daily_by_channel") else []
    channel = f1.selectbox("Acquisition channel", ["all", *channels], key="funnel_channel")
    days = f2.slider("Days (ending on as_of_date)", 7, 180, 28, key="funnel_days")
    start = as_of - pd.Timedelta(days=days - 1)
    totals = data.funnel_totals(wh, start, as_of, None if channel == "all" else channel).iloc[0]
    first_steps = {"view_to_cart_rate": "viewed a product", "cart_to_checkout_rate": "added to cart",
                   "checkout_to_order_rate": "started checkout", "funnel_conversion_rate": "viewed a product"}
    with Tiles(4) as tiles:
        for index, (rate, label) in enumerate([("view_to_cart_rate", "View to cart"),
                                               ("cart_to_checkout_rate", "Cart to checkout"),
                                               ("checkout_to_order_rate", "Checkout to order"),
                                               ("funnel_conversion_rate", "View to order (all steps)")]):
            tiles.metric(index, label, pct(totals[rate]), reason=f"no customer {first_steps[rate]} in the {days} days",
                         help="Customers with both steps on a day / customers with the first step, summed over the "
                              "days.")
    if len(tiles.missing) == len(first_steps):
        st.caption("The funnel counts behavioural events (product views, carts, checkouts); a feed of orders only "
                   "has none.")
    steps = pd.DataFrame({"step": ["viewed a product", "added to cart", "started checkout", "ordered"],
                          "customers": [totals[c] for c in data.FUNNEL_STEPS]}).fillna(0)
    first = steps["customers"].iloc[0]
    steps["of_first"] = steps["customers"] / first if first else None
    weekly = data.funnel_weekly(wh, start, as_of, None if channel == "all" else channel)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Customer-days per step, last {days} days**")
        st.altair_chart(charts.funnel(steps), width="stretch")
    with right:
        st.markdown("**Step conversion per week** (pooled over the week's days)")
        rates = list(data.FUNNEL_RATES)
        if weekly[rates].notna().any().any():
            st.altair_chart(charts.funnel_rates(weekly), width="stretch")
        else:
            st.info(f"No step conversion in the {days} days: no week has a customer who viewed a product, added to "
                    "cart or started checkout.")


# --- explore: the retention insight macro on the user's choices ------------------------------------------------

ANY_ACTIVITY = "(any activity)"  # the event selectbox's choice for none (the macro's any activity)
NO_FILTER = "(no filter)"
NO_BREAKDOWN = "(no breakdown)"
HEATMAP_COHORTS = 60  # latest cohorts drawn in the heatmap (metrics and curves use every cohort)
RETENTION_TYPE_LABELS = {"first_time": "first time", "first_ever": "first ever", "recurring": "recurring"}
RETENTION_TYPE_HELP = ("First time: a customer's cohort is the period of their first target event that matches the "
                       "filters. First ever: the period of their first target event of any properties, kept only if "
                       "that event matches. Recurring: a customer joins the cohort of every period with a target "
                       "event.")


def _event_label(events: pd.DataFrame):
    counts = dict(zip(events["event_type"], events["events"]))

    def label(option: str) -> str:
        if option == ANY_ACTIVITY:
            return "any activity (active days)"
        if option == insight.ORDER:
            return "order (valid orders)"
        return f"{option} ({counts.get(option, 0):,})"
    return label


def _property_filter(wh: data.Warehouse, column, event: str | None, role: str) -> insight.Filters:
    """A property equality on an event type (any of the chosen values); none for any activity and orders."""
    if event is None or event == insight.ORDER:
        column.caption(f"Property filters on the {role} event need an event type (active days and orders carry no "
                       "properties).")
        return ()
    props = [p for p in data.event_properties(wh, event)["property"] if insight.PROPERTY_NAME.match(p)]
    prop = column.selectbox(f"Filter the {role} event ({event}) by", [NO_FILTER, *props], key=f"explore_{role}_prop")
    if prop == NO_FILTER:
        return ()
    values = data.property_values(wh, event, prop)
    chosen = column.multiselect(f"{prop} is any of", list(values["value"]), key=f"explore_{role}_values_{prop}",
                                help="The most frequent values of this property on these events.")
    return ((prop, tuple(chosen)),) if chosen else ()


def _explore_args(wh: data.Warehouse, as_of: pd.Timestamp) -> insight.InsightArgs:
    """The insight's arguments from the page's controls."""
    events = data.event_types(wh)
    options = [ANY_ACTIVITY, insight.ORDER, *events["event_type"]]
    label = _event_label(events)
    c1, c2, c3, c4 = st.columns(4)
    period = c1.selectbox("Period", list(insight.PERIODS), index=1, key="explore_period")
    intervals = c2.slider("Total intervals", 2, 30, 8, key="explore_intervals",
                          help="Periods 0 .. n-1 of each cohort; without a start date also the number of cohorts.")
    retention_type = c3.selectbox("Retention type", list(RETENTION_TYPE_LABELS), key="explore_type",
                                  format_func=RETENTION_TYPE_LABELS.get, help=RETENTION_TYPE_HELP)
    minimum = c4.number_input("Minimum occurrences", 1, 30, 1, key="explore_minimum",
                              help="Returning events a customer needs in a period for it to count as a return "
                                   "(active days for any activity); never applied to the cohort's own period.")
    e1, e2, e3, e4 = st.columns(4)
    events_help = "Any activity, a valid order or an event type of known customers (with its number of events)."
    target = e1.selectbox("Target event (starts a cohort)", options, key="explore_target", format_func=label,
                          help=events_help)
    returning = e2.selectbox("Returning event", options, key="explore_returning", format_func=label,
                             help=events_help)
    first, _ = data.activity_range(wh)
    date_to = e3.date_input("Up to (date_to)", value=as_of.date(), min_value=first.date(), max_value=as_of.date(),
                            key="explore_date_to")
    date_from = e4.date_input("From (date_from, optional)", value=None, min_value=first.date(),
                              max_value=as_of.date(), key="explore_date_from",
                              help="Empty: the total-intervals cohorts ending with the period of date_to.")
    target_event = None if target == ANY_ACTIVITY else target
    returning_event = None if returning == ANY_ACTIVITY else returning
    f1, f2, f3 = st.columns(3)
    target_filters = _property_filter(wh, f1, target_event, "target")
    returning_filters = _property_filter(wh, f2, returning_event, "returning")
    breakdowns = [NO_BREAKDOWN, *(f"customer:{a}" for a in insight.CUSTOMER_ATTRIBUTES)]
    if target_event not in (None, insight.ORDER) and returning_event not in (None, insight.ORDER):
        shared = set(data.event_properties(wh, returning_event)["property"])
        breakdowns += [f"event:{p}" for p in data.event_properties(wh, target_event)["property"]
                       if p in shared and insight.PROPERTY_NAME.match(p)]
    chosen = f3.selectbox("Breakdown", breakdowns, key="explore_breakdown",
                          format_func=lambda b: b if b == NO_BREAKDOWN else
                          b.partition(":")[2] + (" (customer)" if b.startswith("customer:") else " (event property)"),
                          help="A customer attribute (its current value) or an event property; event properties "
                               "are offered when both events are event types that carry them.")
    cumulative = st.toggle("Cumulative (retained in period n = came back in n or any later period shown)",
                           value=False, key="explore_cumulative")
    kind, _, name = chosen.partition(":")
    return insight.InsightArgs(
        date_to=date_to, period=period, total_intervals=int(intervals),
        date_from=date_from if isinstance(date_from, dt.date) else None, retention_type=retention_type,
        target_event=target_event, returning_event=returning_event, target_filters=target_filters,
        returning_filters=returning_filters, minimum_occurrences=int(minimum), cumulative=cumulative,
        breakdown=None if chosen == NO_BREAKDOWN else name,
        breakdown_type=None if chosen == NO_BREAKDOWN else kind)


def explore(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    st.caption("A PostHog-style retention insight on your choices: the project's `retention_insight` macro "
               "(models/docs/insights.md) compiled by dbt for these arguments and run read-only on this warehouse. "
               "Period 0 is the cohort itself; a cell is complete when its period has ended by as_of_date and by "
               "date_to, and only complete cells enter the pooled figures.")
    args = _explore_args(wh, as_of)
    try:
        with st.spinner("Compiling the insight with dbt..."):
            compiled = insight.compiler_from_env().compile(args.inline_sql(), data.current_database(wh))
    except insight.InsightUnavailable as error:
        st.warning(f"**The insight cannot be compiled here.** {error}", icon=":material/build:")
        return
    except insight.InsightCompileError as error:
        st.error(f"**retention_insight refused these choices.** {error}", icon=":material/rule:")
        st.code(args.macro_call(), language="jinja2", wrap_lines=True)
        return
    started = time.perf_counter()
    try:
        rows = wh.query(compiled.sql)
    except duckdb.Error as error:
        st.error(f"**The compiled insight failed on the warehouse.** {str(error).splitlines()[0]}")
        return
    query_seconds = time.perf_counter() - started
    timing = ("compiled SQL from the cache" if compiled.cached else f"compiled by dbt in {compiled.seconds:.2f} s")
    if compiled.parse_seconds:
        timing += f" after parsing the project in {compiled.parse_seconds:.1f} s"
    st.caption(f"{timing}; query {query_seconds:.2f} s.")
    if rows.empty:
        why = {"first_time": "nobody's first target event that matches the filters falls in the range (first "
                             "time: a cohort is the period of a customer's first such event)",
               "first_ever": "nobody's first target event ever falls in the range and matches the filters (first "
                             "ever)"}.get(args.retention_type,
                                          "nobody did the target event (with its filters) in the range")
        st.info(f"No cohort for these choices: {why}.")
        _compiled_sql(args, compiled)
        return
    grain = args.period
    by = ["breakdown_value"] if args.breakdown else []
    pooled = data.pooled_insight(rows)
    rate_at = pooled.set_index("period_number")["retention_rate"]
    starts = rows[rows["period_number"] == 0]
    complete_periods = [int(n) for n in pooled["period_number"] if n > 1]
    far = max(complete_periods) if complete_periods else None
    values_count = rows["breakdown_value"].nunique() if by else 0
    period = grain.capitalize()
    with Tiles(4) as tiles:
        tiles.metric(0, "Cohorts", f"{rows['cohort_start'].nunique():,}"
                     + (f" x {values_count:,} value{'s' if values_count != 1 else ''}" if by else ""))
        tiles.metric(1, "Cohort members", f"{starts['cohort_size'].sum():,}",
                     help="Summed over cohorts" + (" and breakdown values" if by else "")
                          + (": a recurring customer is in the cohort of every period with a target event."
                             if args.retention_type == "recurring" else "."))
        tiles.metric(2, f"{period} 1 retention", pct(rate_at.get(1)),
                     reason=f"no complete cell yet: no cohort's next {grain} has ended by date_to and as_of_date",
                     help="Cohorts pooled: sum(retained) / sum(cohort size) over the complete cells of period 1.")
        if far is not None:
            tiles.metric(3, f"{period} {far} retention", pct(rate_at.get(far)),
                         help=f"The latest period with a complete cell, cohorts pooled: sum(retained) / sum(cohort "
                              f"size) over the complete cells of period {far}.")
        else:
            tiles.metric(3, f"{period} 2+ retention", NA,
                         reason=f"no complete cell yet: no cohort has been followed for two whole {grain}s by "
                                "date_to and as_of_date")
    matrix = rows
    heading = f"**Retention heatmap** - {args.retention_type.replace('_', ' ')} {grain} cohorts"
    h1, h2 = st.columns([1, 2], vertical_alignment="bottom")
    if by:
        values = sorted(rows["breakdown_value"].unique())
        value = h1.selectbox(f"Heatmap of {args.breakdown} =", values, key="explore_heatmap_value",
                             format_func=lambda v: v or "(no value)")
        matrix = rows[rows["breakdown_value"] == value]
        heading += f", {args.breakdown} = {value or '(no value)'}"
    cohort_starts = sorted(matrix["cohort_start"].unique())
    if len(cohort_starts) > HEATMAP_COHORTS:
        matrix = matrix[matrix["cohort_start"].isin(cohort_starts[-HEATMAP_COHORTS:])]
        heading += f" (the latest {HEATMAP_COHORTS} of {len(cohort_starts):,})"
    show_incomplete = (h2 if by else h1).toggle("Show periods in progress (faded)", value=False,
                                                key="explore_incomplete")
    st.markdown(heading)
    st.altair_chart(charts.retention_heatmap(matrix, grain, "retention_rate", show_incomplete), width="stretch")
    if by:
        st.markdown(f"**Retention curves by {args.breakdown}** - every cohort pooled per value (complete cells)")
        st.altair_chart(charts.insight_breakdown_curves(data.pooled_insight(rows, by), grain), width="stretch")
    else:
        st.markdown("**Retention curves** - the latest cohorts and every cohort pooled (dashed)")
        st.altair_chart(charts.retention_curves(matrix, pooled, grain, "retention_rate"), width="stretch")
    with st.expander("Insight rows (the macro's output)"):
        table(rows, percent=["retention_rate"], height=320)
    _compiled_sql(args, compiled)


def _compiled_sql(args: insight.InsightArgs, compiled: insight.Compiled) -> None:
    with st.expander("The macro call and the SQL dbt compiled"):
        st.code(args.macro_call(), language="jinja2", wrap_lines=True)
        st.code(compiled.sql, language="sql")


# --- brackets, N-day value, usage interval --------------------------------------------------------------------------

BASIS_LABELS = {"signup": "signup (registration)", "first_order": "first order", "any_activity": "any activity",
                "purchase": "purchase"}


def brackets(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    currency = insight.reporting_currency()
    st.markdown("### Retention by bracket of days since the cohort day")
    if wh.has("fct_retention_brackets"):
        _brackets(wh)
    else:
        not_built("fct_retention_brackets", "Retention brackets")
    st.markdown("### N-day value per customer")
    if wh.has("fct_nday_value"):
        _nday_value(wh, currency)
    else:
        not_built("fct_nday_value", "N-day value")
    st.markdown("### Days between orders")
    if wh.has("fct_usage_interval"):
        _usage_interval(wh)
    else:
        not_built("fct_usage_interval", "Usage interval")


def _brackets(wh: data.Warehouse) -> None:
    b1, b2, b3 = st.columns([1, 1, 2])
    cohort_basis = b1.selectbox("Cohort basis", ["signup", "first_order"], key="brackets_cohort_basis",
                                format_func=BASIS_LABELS.get)
    activity_basis = b2.selectbox("Activity basis", ["any_activity", "purchase"], key="brackets_activity_basis",
                                  format_func=BASIS_LABELS.get)
    span = data.bracket_range(wh, cohort_basis, activity_basis)
    if span is None:
        st.info(f"fct_retention_brackets has no {BASIS_LABELS[cohort_basis]} cohorts on {BASIS_LABELS[activity_basis]} "
                "yet.")
        return
    picked = b3.date_input("Cohort days", value=(span[0].date(), span[1].date()), min_value=span[0].date(),
                           max_value=span[1].date(), key=f"brackets_range_{cohort_basis}_{activity_basis}")
    start, end = picked if isinstance(picked, (tuple, list)) and len(picked) == 2 else (span[0], span[1])
    frame = data.bracket_retention(wh, cohort_basis, activity_basis, start, end)
    pooled = frame[frame["complete_cohorts"] > 0]
    waiting = frame[frame["complete_cohorts"] == 0]
    if pooled.empty:
        st.info("No bracket has a complete cohort in this range yet: a cell is complete once its last day has passed.")
        return
    st.altair_chart(charts.bracket_bars(pooled), width="stretch")
    note = ("Each bar: customers active in the bracket's days / cohort size, pooled over the cohorts whose bracket "
            "has ended (sum / sum); later brackets pool fewer cohorts.")
    if len(waiting):
        note += " Not shown, no cohort in the range has reached their last day yet: " + ", ".join(
            f"{b} (day {last})" for b, last in zip(waiting["bracket"], waiting["bracket_last_day"])) + "."
    st.caption(note)
    with st.expander("Bracket table"):
        table(frame, percent=["retention_rate"])


def _nday_value(wh: data.Warehouse, currency: str) -> None:
    bases = data.nday_value_bases(wh)
    if not bases:
        st.info("fct_nday_value has no monthly cohorts yet.")
        return
    n1, n2 = st.columns([1, 3])
    cohort_basis = n1.selectbox("Cohort basis", bases, key="nday_cohort_basis",
                                format_func=lambda b: BASIS_LABELS.get(b, b))
    shown = n2.slider("Monthly cohorts shown (latest)", 3, 36, 12, key="nday_cohorts")
    frame = data.nday_value_monthly(wh, cohort_basis, shown)
    pooled = data.nday_value_pooled(wh, cohort_basis)
    days = sorted(frame["n_days"].unique())
    pooled_at = pooled.set_index("n_days")["value_per_customer"].dropna()
    known = [n for n in days if n in pooled_at.index]
    for start in range(0, len(known), 3):
        cols = st.columns(3)
        for col, n in zip(cols, known[start:start + 3]):
            col.metric(f"Day {n} value, months pooled", money_exact(pooled_at[n], currency),
                       help="Cumulative net revenue by day N / cohort size, over every monthly cohort whose N days "
                            f"are complete (sum / sum), in {currency}.")
    waiting = [n for n in days if n not in pooled_at.index]
    if waiting:
        days_text = " and ".join([", ".join(f"day {n}" for n in waiting[:-1]), f"day {waiting[-1]}"] if len(waiting) > 1
                                 else [f"day {waiting[0]}"])
        st.caption(f"No value for {days_text} yet: no monthly cohort has been followed that many days.")
    st.altair_chart(charts.nday_value_lines(frame, pooled, currency), width="stretch")
    st.caption(f"Net revenue in {currency} (the project's reporting currency) by day N since the cohort day, per "
               "customer of the cohort; a value appears once all of its cohort's N days are over.")
    with st.expander("N-day value table"):
        table(frame)


def _usage_interval(wh: data.Warehouse) -> None:
    frame = data.usage_interval(wh)
    roles = data.usage_interval_columns(list(frame.columns))
    cohort, median, low, high = roles["cohort"], roles["median"], roles["low"], roles["high"]
    if frame.empty:
        st.info("fct_usage_interval has no cohort month yet.")
        return
    if cohort is None or median is None:
        missing = " and ".join(name for name, column in (("a cohort month", cohort), ("a median", median))
                               if column is None)
        st.warning(f"fct_usage_interval has no column for {missing} (its columns: {', '.join(frame.columns)}), so "
                   "the chart cannot be drawn; the table is below.")
        table(frame)
        return
    repeat = roles["customers_with_repeat"]
    if repeat:
        u1, u2 = st.columns(2)
        u1.metric("Customers with a repeat order", f"{frame[repeat].sum():,.0f}",
                  help="Summed over the cohort months: only they have a time between orders.")
        u2.metric("Cohort months", f"{frame[cohort].nunique():,}")
    st.markdown("**Median days between orders per cohort month**"
                + (" with the interquartile band" if low and high else ""))
    st.altair_chart(charts.usage_interval_band(frame, cohort, median, low, high), width="stretch")
    if not (low and high):
        st.caption("fct_usage_interval has no quartile columns, so the band is not drawn.")
    else:
        st.caption("Each customer's median days between consecutive orders; the line is the median over the cohort "
                   "month's repeat customers, the band their lower to upper quartile.")
    distribution = data.usage_distribution_table(wh)
    if distribution:
        name, columns = distribution
        st.markdown(f"**Customers by interval** (`{name}`, all cohort months)")
        st.altair_chart(charts.usage_distribution_bars(data.usage_distribution(wh, name, columns)), width="stretch")
    with st.expander("Usage interval table"):
        table(frame)


def loyalty(wh, as_of) -> None:
    """The loyalty programme and coupons (retention_warehouse/dashboard/loyalty.py, which imports this module's
    helpers, hence the import here)."""
    from retention_warehouse.dashboard.loyalty import render_loyalty_page

    render_loyalty_page(wh, as_of)


PAGES = {
    "overview": ("Overview", overview),
    "cohorts": ("Cohort retention", cohorts),
    "explore": ("Explore: retention insight", explore),
    "activity": ("Activity", activity),
    "lifecycle": ("Lifecycle & churn", lifecycle),
    "value": ("Value: RFM, tiers, LTV, CLV", value),
    "brackets": ("Brackets & value", brackets),
    "experiments": ("Experiments", experiments),
    "activation": ("Activation & audiences", activation),
    "loyalty": ("Loyalty & coupons", loyalty),
}
