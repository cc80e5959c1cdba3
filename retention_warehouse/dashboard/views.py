"""The dashboard's pages: one function per page, each drawing from the aggregated queries in data.py."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from retention_warehouse.dashboard import charts
from retention_warehouse.dashboard import data

GRAIN_DEFAULTS = {"day": (30, 30), "week": (20, 20), "month": (18, 18)}  # cohorts shown, periods shown
AUDIENCES = {
    "fct_audience_browse_abandonment": "Browse abandonment - viewed a product 3+ times in the last 24 hours, no order",
    "fct_audience_cart_abandonment": "Cart abandonment - added to cart, no order within 24 hours",
    "fct_audience_win_back": "Win-back - dormant or churned customers of high historical value",
    "fct_audience_churn_warning": "Churn warning - live customers overdue against their own purchase rhythm",
}


# --- formatting -------------------------------------------------------------------------------------------------

def pct(value, digits: int = 1) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:.{digits}%}"


def num(value) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:,.0f}"


def money(value) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:,.0f}"


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


def table(frame: pd.DataFrame, *, percent: list[str] = (), height: int | str = "auto") -> None:
    """A dataframe with dates shown as dates, rates as percentages and money without float noise."""
    config = {}
    for column in frame.columns:
        kind = frame[column].dtype
        if column in percent:
            config[column] = st.column_config.NumberColumn(format="percent")
        elif pd.api.types.is_datetime64_any_dtype(kind):
            values = frame[column].dropna()
            is_date = len(values) == 0 or (values == values.dt.normalize()).all()
            config[column] = (st.column_config.DateColumn(format="YYYY-MM-DD") if is_date
                              else st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"))
        elif pd.api.types.is_float_dtype(kind):
            config[column] = st.column_config.NumberColumn(format="%.2f")
    st.dataframe(frame, hide_index=True, column_config=config, height=height)


# --- pages --------------------------------------------------------------------------------------------------------

def overview(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    st.caption(f"Every figure is as of **{as_of:%Y-%m-%d}** (as_of_date, the last complete day of data); deltas "
               "compare with the 30 days (activity: 28 days) before.")
    figures = data.overview(wh, as_of)
    activity = figures["activity"]
    now = activity.iloc[0]
    before = activity.iloc[1] if len(activity) > 1 else None
    # signup cohorts of the 30 days whose 7-day window has ended, against the 30 days before them
    d7_now = data.headline_between(wh, "signup", as_of - pd.Timedelta(days=36), as_of - pd.Timedelta(days=7))
    d7_before = data.headline_between(wh, "signup", as_of - pd.Timedelta(days=66), as_of - pd.Timedelta(days=37))
    churn = data.churn_monthly(wh)
    complete = churn[churn["is_complete"]]
    row1 = st.columns(4)
    row1[0].metric("DAU", num(now["dau"]), delta_rel(now["dau"], before["dau"] if before is not None else None))
    row1[1].metric("MAU (30 days)", num(now["mau"]), delta_rel(now["mau"], before["mau"] if before is not None else None))
    row1[2].metric("Stickiness (DAU/MAU)", pct(now["stickiness"]),
                   delta_pp(now["stickiness"], before["stickiness"] if before is not None else None))
    row1[3].metric("Customers", num(figures["customers"]),
                   f"{figures['new_signups']:,.0f} signed up in 30 days", delta_color="off")
    row2 = st.columns(4)
    row2[0].metric("Net revenue, 30 days", money(figures["net_revenue"]),
                   delta_rel(figures["net_revenue"], figures["previous_net_revenue"]))
    row2[1].metric("Orders, 30 days", num(figures["orders"]), delta_rel(figures["orders"], figures["previous_orders"]))
    row2[2].metric("Within-7-days retention", pct(d7_now["within_7d_retention"]),
                   delta_pp(d7_now["within_7d_retention"], d7_before["within_7d_retention"]),
                   help="Signup cohorts of the 30 days ending 7 days before as_of_date (their 7-day window is "
                        "complete), against the 30 days before them.")
    if len(complete):
        last = complete.iloc[-1]
        previous = complete.iloc[-2] if len(complete) > 1 else None
        row2[3].metric(f"Churn rate {last['month_start']:%b %Y}", pct(last["churn_rate"], 2),
                       delta_pp(last["churn_rate"], previous["churn_rate"] if previous is not None else None),
                       delta_color="inverse")
    else:
        row2[3].metric("Churn rate", "n/a")
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
                           format_func={"retention_rate": "classic (active in period n)",
                                        "unbounded_retention_rate": "unbounded (n or later)"}.get)
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
    m = st.columns(4)
    m[0].metric("Cohorts shown", f"{matrix['cohort_start'].nunique():,}", help="Latest cohorts of the selection.")
    m[1].metric("Customers in them", f"{sizes.sum():,}")
    m[2].metric(f"Period 1 ({grain}), all cohorts pooled", pct(rate_at.get(1)),
                help="sum(retained) / sum(cohort size) over every complete cell of the slice.")
    far = min(periods, {"day": 30, "week": 12, "month": 6}[grain])
    m[3].metric(f"Period {far}, all cohorts pooled", pct(rate_at.get(far)))
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
    m = st.columns(4)
    m[0].metric("Average DAU", f"{daily['dau'].mean():,.1f}")
    m[1].metric("Average WAU", f"{daily['wau'].mean():,.1f}")
    m[2].metric("Average MAU", f"{daily['mau'].mean():,.1f}")
    m[3].metric("Average stickiness", pct(daily["stickiness"].mean()))
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
    cols = st.columns(len(charts.STAGE_ORDER))
    for col, stage in zip(cols, charts.STAGE_ORDER):
        value = now.get(stage, 0)
        col.metric(stage, num(value), f"{value - before.get(stage, 0):+,.0f} in 30 days" if len(before) else None,
                   delta_color="off")
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
    w2.metric("Customers warned", num(summary["customers"]))
    w2.metric("Value at risk", money(summary["value_at_risk"]) if summary["customers"] else "0")
    w2.download_button("Download CSV", data=lambda: data.table_csv(wh, "fct_churn_warning"),
                       file_name=f"churn_warning_{as_of:%Y%m%d}.csv", mime="text/csv", key="dl_churn_warning",
                       on_click="ignore")


def value(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    grid = data.rfm_grid(wh)
    segments = data.rfm_segments(wh)
    st.markdown("**RFM grid** - customers per recency x frequency score cell (as of as_of_date), coloured by the "
                "cell's main segment; hover for every segment in the cell. Frequency ties share a score, so one-time "
                "buyers all score F = 1 and some F scores can stay empty.")
    st.altair_chart(charts.rfm_grid(grid), width="stretch")
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Segments** - share of customers and of revenue in the RFM window")
        st.altair_chart(charts.segment_bars(segments), width="stretch")
    with right:
        table(segments.drop(columns=["segment_description"]), percent=["share_of_customers", "share_of_monetary"])
        with st.expander("What each segment means"):
            for _, row in segments.iterrows():
                st.markdown(f"- **{row['rfm_segment']}**: {row['segment_description']}")
    tiers = data.tier_mix(wh)
    st.markdown("**Membership tiers** - lifecycle-stage mix within each tier")
    t1, t2 = st.columns([3, 1])
    t1.altair_chart(charts.tier_mix(tiers), width="stretch")
    totals = tiers.groupby("membership_tier", as_index=False)[["customers", "lifetime_net_revenue"]].sum()
    totals["membership_tier"] = pd.Categorical(totals["membership_tier"], charts.TIER_ORDER, ordered=True)
    t2.dataframe(totals.sort_values("membership_tier"), hide_index=True,
                 column_config={"lifetime_net_revenue": st.column_config.NumberColumn(format="%.0f")})
    left, right = st.columns(2)
    with left:
        n = st.slider("LTV cohorts", 3, 24, 12, key="ltv_cohorts")
        st.markdown("**Cohort LTV** - cumulative net revenue per first-order customer (complete months)")
        st.altair_chart(charts.ltv_curves(data.cohort_ltv(wh, n)), width="stretch")
    with right:
        st.markdown("**Repeat-purchase rate** by first-order month (complete windows only)")
        st.altair_chart(charts.repeat_rates(data.repeat_purchase(wh)), width="stretch")
    st.markdown("**Predicted CLV** (BG/NBD x Gamma-Gamma over the next clv_horizon_days)")
    if not wh.has("fct_customer_clv"):
        not_built("fct_customer_clv", "Predicted CLV")
        return
    summary = data.clv_summary(wh).iloc[0]
    m = st.columns(4)
    m[0].metric("Customers scored", num(summary["customers"]))
    m[1].metric("Predicted CLV, total", money(summary["predicted_clv"]))
    m[2].metric("Median predicted CLV", f"{summary['median_predicted_clv']:,.2f}")
    m[3].metric("Mean P(alive)", pct(summary["avg_p_alive"]))
    left, right = st.columns(2)
    with left:
        st.altair_chart(charts.histogram(data.clv_histogram(wh, "predicted_clv"), "predicted CLV (99th pct in last bin)"),
                        width="stretch")
    with right:
        st.altair_chart(charts.histogram(data.clv_histogram(wh, "p_alive"), "P(alive)", ".0%"), width="stretch")
    if wh.has("fct_clv_parameters"):
        with st.expander("Fitted parameters"):
            table(data.table_preview(wh, "fct_clv_parameters", 50))


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
            cols = st.columns(max(len(rows), 1))
            for col, (_, row) in zip(cols, rows.iterrows()):
                col.metric(f"{row['variant']}{' (control)' if row['is_control'] else ''}",
                           pct(row[f"{prefix}_retention"]),
                           None if row["is_control"] else delta_pp(row[f"{prefix}_retention"],
                                                                   row[f"{prefix}_retention"] - row[f"{prefix}_lift"]),
                           help=f"{row['customers_assigned']:,.0f} assigned, "
                                f"{row[f'eligible_customers_{window}']:,.0f} with a complete window; "
                                f"p = {row[f'{prefix}_p_value']:.3g}" if not row["is_control"] else None)
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
            table(data.table_preview(wh, table_name, 100), height=220)


def _funnel(wh: data.Warehouse, as_of: pd.Timestamp) -> None:
    f1, f2 = st.columns([1, 3])
    channels = data.funnel_channels(wh) if wh.has("fct_funnel_daily_by_channel") else []
    channel = f1.selectbox("Acquisition channel", ["all", *channels], key="funnel_channel")
    days = f2.slider("Days (ending on as_of_date)", 7, 180, 28, key="funnel_days")
    start = as_of - pd.Timedelta(days=days - 1)
    totals = data.funnel_totals(wh, start, as_of, None if channel == "all" else channel).iloc[0]
    m = st.columns(4)
    for col, (rate, label) in zip(m, [("view_to_cart_rate", "View to cart"), ("cart_to_checkout_rate", "Cart to checkout"),
                                      ("checkout_to_order_rate", "Checkout to order"),
                                      ("funnel_conversion_rate", "View to order (all steps)")]):
        col.metric(label, pct(totals[rate]), help="Customers with both steps on a day / customers with the first step, "
                                                  "summed over the days.")
    steps = pd.DataFrame({"step": ["viewed a product", "added to cart", "started checkout", "ordered"],
                          "customers": [totals[c] for c in data.FUNNEL_STEPS]}).fillna(0)
    first = steps["customers"].iloc[0]
    steps["of_first"] = steps["customers"] / first if first else None
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Customer-days per step, last {days} days**")
        st.altair_chart(charts.funnel(steps), width="stretch")
    with right:
        st.markdown("**Step conversion per week** (pooled over the week's days)")
        st.altair_chart(charts.funnel_rates(data.funnel_weekly(wh, start, as_of, None if channel == "all" else channel)),
                        width="stretch")


PAGES = {
    "overview": ("Overview", overview),
    "cohorts": ("Cohort retention", cohorts),
    "activity": ("Activity", activity),
    "lifecycle": ("Lifecycle & churn", lifecycle),
    "value": ("Value: RFM, tiers, LTV, CLV", value),
    "experiments": ("Experiments", experiments),
    "activation": ("Activation & audiences", activation),
}
