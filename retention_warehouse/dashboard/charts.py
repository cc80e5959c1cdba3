"""Altair charts of the dashboard (rendered client-side by Streamlit's bundled Vega-Lite, no network)."""

from __future__ import annotations

import altair as alt
import pandas as pd

STAGE_ORDER = ["prospect", "new", "reactivated", "active", "lapsing", "dormant", "churned"]
STAGE_COLORS = ["#c7c7c7", "#2ca02c", "#17becf", "#1f77b4", "#ffbf00", "#ff7f0e", "#d62728"]
LIFECYCLE_STATUSES = ["new", "returning", "resurrecting", "dormant"]
LIFECYCLE_COLORS = ["#2ca02c", "#1f77b4", "#9467bd", "#d62728"]
TIER_ORDER = ["none", "bronze", "gold", "platinum"]
TIER_COLORS = ["#c7c7c7", "#cd7f32", "#d4af37", "#7f7f7f"]


def _cohort_label(grain: str, day: pd.Timestamp) -> str:
    return day.strftime("%Y-%m") if grain == "month" else day.strftime("%Y-%m-%d")


MONTH_LABEL = "month_label"  # the YYYY-MM column month_axis adds
LEGEND_ROWS_RIGHT = 8  # entries a legend right of a chart holds before the chart's height cuts it off


LEGEND_COLUMNS_BELOW = 4  # fits a chart in half the page at 1280 px


def series_legend(title: str, series: int) -> alt.Legend:
    """The legend of one line per series: right of the chart while it fits the chart's height, else in rows under
    the chart (Streamlit cuts a legend taller than the chart off at the bottom: the latest cohorts went missing)."""
    if series <= LEGEND_ROWS_RIGHT:
        return alt.Legend(title=title)
    return alt.Legend(title=title, orient="bottom", columns=LEGEND_COLUMNS_BELOW)


def series_height(height: int, series: int) -> int:
    """A chart's height with room for its legend's rows when series_legend puts them under the chart."""
    if series <= LEGEND_ROWS_RIGHT:
        return height
    return height + 40 + 30 * -(-series // LEGEND_COLUMNS_BELOW)


def month_axis(frame: pd.DataFrame, column: str, title: str | None) -> tuple[pd.DataFrame, alt.X]:
    """The frame with a YYYY-MM label of `column` and an ordinal x axis on it: one label per month, in time order.
    A temporal axis with a month format repeats a label for every tick inside the month (Vega's default ticks on
    three months are weeks: 1997-01 four times); labels that collide on a long range are thinned, never cut."""
    labelled = frame.assign(**{MONTH_LABEL: pd.to_datetime(frame[column]).dt.strftime("%Y-%m")})
    months = sorted(labelled[MONTH_LABEL].dropna().unique())
    axis = alt.Axis(labelAngle=0, labelOverlap="greedy", labelSeparation=6)
    return labelled, alt.X(f"{MONTH_LABEL}:O", title=title, sort=months, axis=axis)


def retention_heatmap(matrix: pd.DataFrame, grain: str, measure: str = "retention_rate",
                      show_incomplete: bool = False) -> alt.Chart:
    """Cohorts down, period number across, colour = rate; each row labelled with its cohort size. Incomplete cells
    (period in progress) are hidden unless asked for, then drawn faded."""
    frame = matrix.copy()
    if not show_incomplete:
        frame = frame[frame["is_complete"]]
    frame["cohort"] = [f"{_cohort_label(grain, pd.Timestamp(d))}  (n={n:,})"
                       for d, n in zip(frame["cohort_start"], frame["cohort_size"])]
    frame["rate"] = frame[measure]
    frame["retained"] = frame["retained_customers" if measure == "retention_rate" else "unbounded_retained_customers"]
    frame["label"] = [f"{r:.0%}" if pd.notna(r) else "" for r in frame["rate"]]
    frame["state"] = frame["is_complete"].map({True: "complete", False: "in progress"})
    cohort_order = sorted(frame["cohort"].unique())
    periods = int(frame["period_number"].max()) + 1 if len(frame) else 1
    cohorts = max(len(cohort_order), 1)
    base = alt.Chart(frame).encode(
        x=alt.X("period_number:O", title=f"{grain}s since cohort start", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort:O", title=f"{grain} cohort", sort=cohort_order),
    )
    # period 0 is 100% on the any_activity basis of signup cohorts; cap the colour scale at the largest later rate
    later = frame.loc[frame["period_number"] > 0, "rate"]
    top = float(later.max()) if len(later) and later.max() > 0 else 1.0
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("rate:Q", title="retention", scale=alt.Scale(scheme="blues", domain=[0, top], clamp=True),
                        legend=alt.Legend(format=".0%")),
        opacity=alt.condition(alt.datum.state == "complete", alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("cohort:N"), alt.Tooltip("period_number:O", title="period"),
                 alt.Tooltip("rate:Q", format=".1%", title="rate"), alt.Tooltip("retained:Q", format=","),
                 alt.Tooltip("cohort_size:Q", format=","), alt.Tooltip("state:N")],
    )
    chart = cells
    if periods * cohorts <= 400:
        text = base.mark_text(fontSize=10).encode(
            text="label:N",
            color=alt.condition(alt.datum.rate > top * 0.6, alt.value("white"), alt.value("#222")),
        )
        chart = cells + text
    return chart.properties(height=max(220, min(26 * cohorts, 1000)))


def retention_curves(matrix: pd.DataFrame, pooled: pd.DataFrame, grain: str, measure: str = "retention_rate",
                     max_cohorts: int = 12) -> alt.Chart:
    """One line per cohort (the latest `max_cohorts`, complete cells only) and the pooled curve over every cohort in
    bold."""
    frame = matrix[matrix["is_complete"]].copy()
    latest = sorted(frame["cohort_start"].unique())[-max_cohorts:]
    frame = frame[frame["cohort_start"].isin(latest)]
    frame["series"] = [_cohort_label(grain, pd.Timestamp(d)) for d in frame["cohort_start"]]
    frame["rate"] = frame[measure]
    lines = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=1.4, opacity=0.75).encode(
        x=alt.X("period_number:Q", title=f"{grain}s since cohort start", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("rate:Q", title="retention", axis=alt.Axis(format="%")),
        color=alt.Color("series:N", scale=alt.Scale(scheme="viridis"),
                        legend=series_legend("cohort", frame["series"].nunique())),
        tooltip=[alt.Tooltip("series:N", title="cohort"), "period_number:Q", alt.Tooltip("rate:Q", format=".1%"),
                 alt.Tooltip("cohort_size:Q", format=",")],
    )
    pooled = pooled.copy()
    pooled["rate"] = pooled[measure]
    pooled["series"] = "all cohorts (pooled)"
    average = alt.Chart(pooled).mark_line(color="black", strokeWidth=3, strokeDash=[6, 3]).encode(
        x="period_number:Q", y="rate:Q",
        tooltip=[alt.Tooltip("series:N"), "period_number:Q", alt.Tooltip("rate:Q", format=".1%"),
                 alt.Tooltip("cohorts:Q")],
    )
    return (lines + average).properties(height=series_height(360, frame["series"].nunique()))


def headline_lines(frame: pd.DataFrame) -> alt.Chart:
    names = {"d1_retention": "next day", "d7_retention": "day 7", "d30_retention": "day 30",
             "within_7d_retention": "within 7 days", "within_30d_retention": "within 30 days"}
    long = frame.melt(id_vars=["cohort_month"], value_vars=list(names), var_name="figure", value_name="rate")
    long["figure"] = long["figure"].map(names)
    long, x = month_axis(long.dropna(subset=["rate"]), "cohort_month", "cohort month")
    return alt.Chart(long).mark_line(point=True).encode(
        x=x,
        y=alt.Y("rate:Q", title="retention", axis=alt.Axis(format="%")),
        color=alt.Color("figure:N", sort=list(names.values()), title=None,
                        scale=alt.Scale(domain=list(names.values()),
                                        range=["#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd"])),
        tooltip=[alt.Tooltip(f"{MONTH_LABEL}:N", title="cohort month"), "figure:N",
                 alt.Tooltip("rate:Q", format=".1%")],
    ).properties(height=300)


def active_customers(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(id_vars=["activity_date"], value_vars=["dau", "wau", "mau"], var_name="measure",
                      value_name="customers")
    long["measure"] = long["measure"].str.upper()
    return alt.Chart(long).mark_line().encode(
        x=alt.X("activity_date:T", title=None),
        y=alt.Y("customers:Q", title="active customers"),
        color=alt.Color("measure:N", sort=["DAU", "WAU", "MAU"], title=None),
        tooltip=[alt.Tooltip("activity_date:T"), "measure:N", alt.Tooltip("customers:Q", format=",")],
    ).properties(height=320)


def stickiness(frame: pd.DataFrame) -> alt.Chart:
    base = alt.Chart(frame).encode(x=alt.X("activity_date:T", title=None))
    daily = base.mark_line(opacity=0.35, color="#1f77b4").encode(
        y=alt.Y("stickiness:Q", title="DAU / MAU", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("activity_date:T"), alt.Tooltip("stickiness:Q", format=".1%")])
    smooth = base.transform_window(avg="mean(stickiness)", frame=[-6, 0]).mark_line(color="#1f77b4", strokeWidth=2.5).encode(
        y="avg:Q")
    return (daily + smooth).properties(height=240)


def monthly_actives(frame: pd.DataFrame) -> alt.Chart:
    frame = frame.assign(state=frame["is_complete"].map({True: "complete", False: "in progress"}))
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("yearmonth(month_start):O", title=None),
        y=alt.Y("active_customers:Q", title="monthly active customers"),
        opacity=alt.condition(alt.datum.state == "complete", alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("month_start:T", format="%Y-%m"), alt.Tooltip("active_customers:Q", format=","), "state:N"],
    ).properties(height=260)


def period_lifecycle(frame: pd.DataFrame, grain: str) -> alt.Chart:
    frame = frame.copy()
    frame["signed"] = frame["customers"].where(frame["status"] != "dormant", -frame["customers"])
    frame["state"] = frame["is_complete"].map({True: "complete", False: "in progress"})
    return alt.Chart(frame).mark_bar().encode(
        opacity=alt.condition(alt.datum.state == "complete", alt.value(1.0), alt.value(0.4)),
        x=alt.X("period_start:T", title=f"{grain} starting"),
        y=alt.Y("signed:Q", title="customers (dormant below zero)"),
        color=alt.Color("status:N", sort=LIFECYCLE_STATUSES,
                        scale=alt.Scale(domain=LIFECYCLE_STATUSES, range=LIFECYCLE_COLORS)),
        order=alt.Order("status_order:Q"),
        tooltip=[alt.Tooltip("period_start:T"), "status:N", alt.Tooltip("customers:Q", format=","), "state:N"],
    ).transform_calculate(
        status_order="indexof(['new','returning','resurrecting','dormant'], datum.status)"
    ).properties(height=320)


def stickiness_histogram(frame: pd.DataFrame, grain: str) -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("active_days:O", title=f"active days in the {grain}", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("customers:Q", title="customers"),
        tooltip=["active_days:O", alt.Tooltip("customers:Q", format=","), alt.Tooltip("customers_at_least:Q", format=",")],
    ).properties(height=260)


def lifecycle_stages(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame).mark_area().encode(
        x=alt.X("stage_date:T", title=None),
        y=alt.Y("customers:Q", title="customers", stack="zero"),
        color=alt.Color("lifecycle_stage:N", sort=STAGE_ORDER, title="stage",
                        scale=alt.Scale(domain=STAGE_ORDER, range=STAGE_COLORS)),
        order=alt.Order("stage_order:Q"),
        tooltip=[alt.Tooltip("stage_date:T"), "lifecycle_stage:N", alt.Tooltip("customers:Q", format=",")],
    ).properties(height=340)


def churn_rate(frame: pd.DataFrame) -> alt.Chart:
    frame, x = month_axis(frame.assign(state=frame["is_complete"].map({True: "complete", False: "in progress"})),
                          "month_start", None)
    return alt.Chart(frame).mark_line(point=True, color="#d62728").encode(
        x=x,
        y=alt.Y("churn_rate:Q", title="monthly churn rate", axis=alt.Axis(format="%")),
        strokeDash=alt.condition(alt.datum.state == "complete", alt.value([1, 0]), alt.value([4, 3])),
        tooltip=[alt.Tooltip(f"{MONTH_LABEL}:N", title="month"), alt.Tooltip("churn_rate:Q", format=".2%"),
                 alt.Tooltip("customers_at_start:Q", format=","), alt.Tooltip("churned_customers:Q", format=","),
                 "state:N"],
    ).properties(height=260)


def churn_flows(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(id_vars=["month_start"], value_vars=["new_customers", "reactivated_customers", "churned_customers"],
                      var_name="flow", value_name="customers")
    long["flow"] = long["flow"].str.replace("_customers", "")
    long["signed"] = long["customers"].where(long["flow"] != "churned", -long["customers"])
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("yearmonth(month_start):O", title=None),
        y=alt.Y("signed:Q", title="customers (churned below zero)"),
        color=alt.Color("flow:N", sort=["new", "reactivated", "churned"],
                        scale=alt.Scale(domain=["new", "reactivated", "churned"], range=["#2ca02c", "#17becf", "#d62728"])),
        tooltip=[alt.Tooltip("month_start:T", format="%Y-%m"), "flow:N", alt.Tooltip("customers:Q", format=",")],
    ).properties(height=260)


def rfm_grid(frame: pd.DataFrame, currency: str = "USD") -> alt.Chart:
    """One cell per (R, F) score with its main segment and every customer in it; a cell that several segments share
    (the M score splits it) says how many."""
    shared = frame["segment_count"] if "segment_count" in frame else pd.Series(1, index=frame.index)
    frame = frame.assign(cell_label=[f"{s}\n{c:,}" + (f" · {k} segments" if k > 1 else "")
                                     for s, c, k in zip(frame["main_segment"], frame["customers"], shared)])
    base = alt.Chart(frame).encode(
        x=alt.X("r_score:O", title="recency score (5 = most recent)", axis=alt.Axis(labelAngle=0),
                scale=alt.Scale(domain=[1, 2, 3, 4, 5])),
        y=alt.Y("f_score:O", title="frequency score (5 = most frequent)", scale=alt.Scale(domain=[5, 4, 3, 2, 1])),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("main_segment:N", title="main segment", scale=alt.Scale(scheme="tableau20")),
        tooltip=["r_score:O", "f_score:O", alt.Tooltip("customers:Q", format=",", title="customers in the cell"),
                 alt.Tooltip("monetary:Q", format=",.0f", title=f"monetary ({currency})"),
                 alt.Tooltip("segments:N", title="segments (customers)")],
    )
    text = base.mark_text(fontSize=12, lineBreak="\n", fontWeight="bold", color="#222").encode(text="cell_label:N")
    return (cells + text).properties(height=460)


def segment_bars(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(id_vars=["rfm_segment"], value_vars=["share_of_customers", "share_of_monetary"], var_name="share",
                      value_name="value")
    long["share"] = long["share"].map({"share_of_customers": "customers", "share_of_monetary": "RFM-window revenue"})
    order = list(frame.sort_values("customers", ascending=False)["rfm_segment"])
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("rfm_segment:N", sort=order, title=None),
        x=alt.X("value:Q", title="share", axis=alt.Axis(format="%")),
        yOffset="share:N",
        color=alt.Color("share:N", title=None, legend=alt.Legend(orient="bottom", direction="vertical")),
        tooltip=["rfm_segment:N", "share:N", alt.Tooltip("value:Q", format=".1%")],
    ).properties(height=max(240, 34 * len(order)))


def tier_mix(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("membership_tier:N", sort=TIER_ORDER, title="tier"),
        x=alt.X("customers:Q", title="customers", stack="normalize", axis=alt.Axis(format="%")),
        color=alt.Color("lifecycle_stage:N", sort=STAGE_ORDER, title="stage",
                        scale=alt.Scale(domain=STAGE_ORDER, range=STAGE_COLORS)),
        order=alt.Order("stage_rank:Q"),
        tooltip=["membership_tier:N", "lifecycle_stage:N", alt.Tooltip("customers:Q", format=",")],
    ).transform_calculate(
        stage_rank="indexof(['prospect','new','reactivated','active','lapsing','dormant','churned'], datum.lifecycle_stage)"
    ).properties(height=200)


def ltv_curves(frame: pd.DataFrame, currency: str = "USD") -> alt.Chart:
    frame = frame[frame["is_complete"]].copy()
    frame["cohort"] = [pd.Timestamp(d).strftime("%Y-%m") for d in frame["cohort_month"]]
    return alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=16)).encode(
        x=alt.X("month_offset:Q", title="months since first order", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("avg_cumulative_net_revenue:Q", title=f"cumulative net revenue per customer ({currency})"),
        color=alt.Color("cohort:N", scale=alt.Scale(scheme="viridis"),
                        legend=series_legend("first-order month", frame["cohort"].nunique())),
        tooltip=["cohort:N", "month_offset:Q",
                 alt.Tooltip("avg_cumulative_net_revenue:Q", format=",.2f", title=f"per customer ({currency})"),
                 alt.Tooltip("cohort_size:Q", format=",")],
    ).properties(height=series_height(320, frame["cohort"].nunique()))


def repeat_rates(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(id_vars=["cohort_month"], value_vars=["repeat_rate_30d", "repeat_rate_60d", "repeat_rate_90d"],
                      var_name="window", value_name="rate").dropna(subset=["rate"])
    long["window"] = long["window"].str.replace("repeat_rate_", "within ")
    long, x = month_axis(long, "cohort_month", "first-order month")
    return alt.Chart(long).mark_line(point=True).encode(
        x=x,
        y=alt.Y("rate:Q", title="repeat-purchase rate", axis=alt.Axis(format="%")),
        color=alt.Color("window:N", title=None),
        tooltip=[alt.Tooltip(f"{MONTH_LABEL}:N", title="first-order month"), "window:N",
                 alt.Tooltip("rate:Q", format=".1%")],
    ).properties(height=280)


def histogram(frame: pd.DataFrame, title: str, value_format: str = ",.0f") -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("bin_start:Q", bin="binned", title=title, axis=alt.Axis(format=value_format)),
        x2="bin_end:Q",
        y=alt.Y("customers:Q", title="customers"),
        tooltip=[alt.Tooltip("bin_start:Q", format=value_format, title="from"),
                 alt.Tooltip("bin_end:Q", format=value_format, title="to"), alt.Tooltip("customers:Q", format=",")],
    ).properties(height=260)


def lift_chart(frame: pd.DataFrame, label: str, lift: str, low: str | None, high: str | None,
               title: str = "lift over control (share points)") -> alt.Chart:
    """Lift of each variant over control with its 95% interval (when the mart gives one)."""
    base = alt.Chart(frame).encode(y=alt.Y(f"{label}:N", title=None))
    points = base.mark_point(filled=True, size=90, color="#1f77b4").encode(
        x=alt.X(f"{lift}:Q", title=title, axis=alt.Axis(format="+%")),
        tooltip=[f"{label}:N", alt.Tooltip(f"{lift}:Q", format="+.1%")]
        + ([alt.Tooltip(f"{low}:Q", format="+.1%"), alt.Tooltip(f"{high}:Q", format="+.1%")] if low and high else []))
    layers = [points]
    if low and high:
        layers.insert(0, base.mark_rule(strokeWidth=2, color="#1f77b4").encode(x=f"{low}:Q", x2=f"{high}:Q"))
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#888", strokeDash=[4, 3]).encode(x="x:Q")
    return alt.layer(*layers, zero).properties(height=max(120, 40 * len(frame)))


def slice_bars(frame: pd.DataFrame, label: str, measure: str, size: str, overall: float | None) -> alt.Chart:
    """A rate per slice value, with the all-customers rate as a dashed rule."""
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y(f"{label}:N", title=None, sort=None),
        x=alt.X(f"{measure}:Q", title=measure.replace("_", " "), axis=alt.Axis(format="%")),
        tooltip=[f"{label}:N", alt.Tooltip(f"{measure}:Q", format=".1%"), alt.Tooltip(f"{size}:Q", format=",")],
    )
    layers = [bars]
    if overall is not None and pd.notna(overall):
        layers.append(alt.Chart(pd.DataFrame({"overall": [overall]})).mark_rule(color="black", strokeDash=[5, 3])
                      .encode(x="overall:Q", tooltip=[alt.Tooltip("overall:Q", format=".1%", title="all first orders")]))
    return alt.layer(*layers).properties(height=max(140, 34 * frame[label].nunique()))


def funnel_rates(frame: pd.DataFrame) -> alt.Chart:
    names = {"view_to_cart_rate": "view to cart", "cart_to_checkout_rate": "cart to checkout",
             "checkout_to_order_rate": "checkout to order", "funnel_conversion_rate": "view to order"}
    long = frame.melt(id_vars=["week_start"], value_vars=list(names), var_name="step", value_name="rate")
    long["step"] = long["step"].map(names)
    return alt.Chart(long.dropna(subset=["rate"])).mark_line(point=True).encode(
        x=alt.X("week_start:T", title="week starting"),
        y=alt.Y("rate:Q", title="conversion", axis=alt.Axis(format="%")),
        color=alt.Color("step:N", sort=list(names.values()), title=None),
        tooltip=[alt.Tooltip("week_start:T"), "step:N", alt.Tooltip("rate:Q", format=".1%")],
    ).properties(height=260)


def funnel(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("step:N", sort=list(frame["step"]), title=None),
        x=alt.X("customers:Q", title="customers"),
        tooltip=["step:N", alt.Tooltip("customers:Q", format=","), alt.Tooltip("of_first:Q", format=".1%")],
    ).properties(height=max(160, 40 * len(frame)))


# --- Explore: the retention insight, brackets, N-day value, usage interval ---------------------------------------

def insight_breakdown_curves(pooled: pd.DataFrame, grain: str) -> alt.Chart:
    """The pooled curve of each breakdown value ('' shown as '(no value)')."""
    frame = pooled.assign(value=pooled["breakdown_value"].replace("", "(no value)"))
    return alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=24)).encode(
        x=alt.X("period_number:Q", title=f"{grain}s since cohort start", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("retention_rate:Q", title="retention (cohorts pooled)", axis=alt.Axis(format="%")),
        color=alt.Color("value:N", scale=alt.Scale(scheme="tableau10"),
                        legend=series_legend("breakdown value", frame["value"].nunique())),
        tooltip=[alt.Tooltip("value:N", title="breakdown value"), "period_number:Q",
                 alt.Tooltip("retention_rate:Q", format=".1%", title="retention"),
                 alt.Tooltip("retained_customers:Q", format=",", title="retained"),
                 alt.Tooltip("cohort_customers:Q", format=",", title="cohort members"),
                 alt.Tooltip("cohorts:Q", title="complete cohorts")],
    ).properties(height=series_height(360, frame["value"].nunique()))


def bracket_bars(frame: pd.DataFrame) -> alt.Chart:
    """Retention per bracket of days since the cohort day (brackets in day order), each bar labelled with its
    rate and the number of cohorts it pools."""
    frame = frame.assign(label=[f"{r:.1%}  ({c:,} cohorts)" for r, c in zip(frame["retention_rate"],
                                                                          frame["complete_cohorts"])])
    order = list(frame["bracket"])
    base = alt.Chart(frame).encode(
        x=alt.X("bracket:N", sort=order, title="days since the cohort day", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("retention_rate:Q", title="retained (cohorts pooled)", axis=alt.Axis(format="%")),
    )
    bars = base.mark_bar(color="#1f77b4").encode(
        tooltip=[alt.Tooltip("bracket:N"), alt.Tooltip("bracket_first_day:Q", title="first day"),
                 alt.Tooltip("bracket_last_day:Q", title="last day"),
                 alt.Tooltip("retention_rate:Q", format=".1%", title="retention"),
                 alt.Tooltip("retained_customers:Q", format=",", title="retained"),
                 alt.Tooltip("cohort_customers:Q", format=",", title="cohort customers"),
                 alt.Tooltip("complete_cohorts:Q", format=",", title="complete cohorts")])
    text = base.mark_text(dy=-8, fontSize=12, color="#222").encode(text="label:N")
    return (bars + text).properties(height=320)


def nday_value_lines(frame: pd.DataFrame, pooled: pd.DataFrame, currency: str) -> alt.Chart:
    """Value per customer by N (complete values only): one line per cohort month and every month pooled
    (dashed)."""
    frame = frame.dropna(subset=["value_per_customer"]).copy()
    frame["cohort"] = [pd.Timestamp(d).strftime("%Y-%m") for d in frame["cohort_start"]]
    n_order = sorted(set(frame["n_days"]) | set(pooled["n_days"]))
    x = alt.X("n_days:O", title="N (days since the cohort day)", sort=n_order,
              axis=alt.Axis(labelAngle=0, labelExpr="'day ' + datum.label"))
    y_title = f"net revenue per customer ({currency})"
    lines = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=20), strokeWidth=1.4, opacity=0.8).encode(
        x=x, y=alt.Y("value_per_customer:Q", title=y_title),
        color=alt.Color("cohort:N", scale=alt.Scale(scheme="viridis"),
                        legend=series_legend("cohort month", frame["cohort"].nunique())),
        tooltip=[alt.Tooltip("cohort:N", title="cohort month"), alt.Tooltip("n_days:O", title="N (days)"),
                 alt.Tooltip("value_per_customer:Q", format=",.2f", title=f"per customer ({currency})"),
                 alt.Tooltip("cohort_size:Q", format=",", title="cohort size")])
    pooled = pooled.dropna(subset=["value_per_customer"])
    average = alt.Chart(pooled).mark_line(color="black", strokeWidth=3, strokeDash=[6, 3]).encode(
        x=x, y="value_per_customer:Q",
        tooltip=[alt.Tooltip("n_days:O", title="N (days)"),
                 alt.Tooltip("value_per_customer:Q", format=",.2f", title=f"all months pooled ({currency})"),
                 alt.Tooltip("cohorts:Q", title="complete cohorts")])
    return (lines + average).properties(height=series_height(340, frame["cohort"].nunique()))


def usage_interval_band(frame: pd.DataFrame, cohort: str, median: str, low: str | None,
                        high: str | None) -> alt.Chart:
    """Median days between orders per cohort month, with the interquartile band when the mart has quartiles."""
    frame = frame.dropna(subset=[median]).copy()
    frame["cohort_label"] = [pd.Timestamp(d).strftime("%Y-%m") for d in frame[cohort]]
    x = alt.X("cohort_label:O", title="cohort month (first order)", sort=list(frame["cohort_label"]),
              axis=alt.Axis(labelAngle=0))
    tooltip = [alt.Tooltip("cohort_label:N", title="cohort month"),
               alt.Tooltip(f"{median}:Q", format=",.1f", title="median (days)")]
    layers = []
    if low and high:
        tooltip += [alt.Tooltip(f"{low}:Q", format=",.1f", title="lower quartile (days)"),
                    alt.Tooltip(f"{high}:Q", format=",.1f", title="upper quartile (days)")]
        layers.append(alt.Chart(frame).mark_area(opacity=0.25, color="#1f77b4").encode(
            x=x, y=alt.Y(f"{low}:Q", title="days between orders"), y2=f"{high}:Q"))
    layers.append(alt.Chart(frame).mark_line(point=True, color="#1f77b4").encode(
        x=x, y=alt.Y(f"{median}:Q", title="days between orders"), tooltip=tooltip))
    return alt.layer(*layers).properties(height=300)


def usage_distribution_bars(frame: pd.DataFrame) -> alt.Chart:
    order = list(frame["bucket"].astype(str))
    return alt.Chart(frame.assign(bucket=frame["bucket"].astype(str))).mark_bar(color="#1f77b4").encode(
        x=alt.X("bucket:N", sort=order, title="days between orders (customer's median)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("customers:Q", title="customers"),
        tooltip=[alt.Tooltip("bucket:N", title="interval"), alt.Tooltip("customers:Q", format=",")],
    ).properties(height=260)
