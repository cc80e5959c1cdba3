"""Dashboard page "Loyalty & coupons" (issue #25): what the points programme owes, its health, whether early
redemption goes with retention, coupon usage and whether coupon buyers come back, and the two loyalty audiences.

Wire it into the app with ``PAGES["loyalty"] = ("Loyalty & coupons", render_loyalty_page)`` (views.PAGES); the
page reads only public marts, through the app's Warehouse (``wh.query`` with ``{marts}``), like the other pages.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from retention_warehouse.dashboard import charts, insight
from retention_warehouse.dashboard.views import Tiles, money, not_built, num, pct, table

LOYALTY_AUDIENCES = {
    "fct_audience_points_expiring": "Points about to expire - points due to expire in the next 30 days",
    "fct_audience_points_unredeemed": "High balance, not redeemed - a large balance and no recent redemption",
}


# --- queries (small, aggregated frames) ---------------------------------------------------------------------------

def points_daily(wh) -> pd.DataFrame:
    return wh.query("select points_date, points_issued, points_redeemed, points_expired, points_outstanding, "
                    "liability_amount from {marts}.fct_loyalty_points_daily order by points_date")


def programme_monthly(wh) -> pd.DataFrame:
    return wh.query("select * from {marts}.fct_loyalty_programme_monthly order by month_start")


def redemption_retention(wh) -> pd.DataFrame:
    return wh.query("select * from {marts}.fct_loyalty_redemption_retention order by cohort_grain, cohort_start")


def coupon_summary(wh) -> pd.DataFrame:
    """Per coupon code over all months: orders, new and returning shares, discount and net revenue."""
    return wh.query("""
        select
            coupon_code,
            sum(orders) as orders,
            sum(new_customer_orders) as new_customer_orders,
            sum(returning_customer_orders) * 1.0 / sum(orders) as returning_order_share,
            sum(recent_buyer_orders) * 1.0 / sum(orders) as recent_buyer_order_share,
            cast(sum(discount_amount) as double) as discount_amount,
            cast(sum(net_revenue) as double) as net_revenue
        from {marts}.fct_coupon_orders_monthly
        group by 1
        order by orders desc
    """)


def coupon_repeat(wh, window_days: int) -> pd.DataFrame:
    """Repeat rates of first orders with and without a coupon per channel, pooled over the months, with the Wald
    interval of the pooled difference."""
    return wh.query("""
        with pooled as (
            select
                order_channel,
                sum(coupon_first_orders) as coupon_first_orders,
                sum(coupon_repeaters) as coupon_repeaters,
                sum(other_first_orders) as other_first_orders,
                sum(other_repeaters) as other_repeaters
            from {marts}.fct_coupon_repeat_rates
            where window_days = ?
            group by 1
        ),
        rates as (
            select
                *,
                coupon_repeaters * 1.0 / nullif(coupon_first_orders, 0) as coupon_repeat_rate,
                other_repeaters * 1.0 / nullif(other_first_orders, 0) as other_repeat_rate
            from pooled
        )
        select
            *,
            coupon_repeat_rate - other_repeat_rate as difference,
            coupon_repeat_rate - other_repeat_rate - 1.959963984540054 * sqrt(
                coupon_repeat_rate * (1 - coupon_repeat_rate) / coupon_first_orders
                + other_repeat_rate * (1 - other_repeat_rate) / other_first_orders) as ci_lower,
            coupon_repeat_rate - other_repeat_rate + 1.959963984540054 * sqrt(
                coupon_repeat_rate * (1 - coupon_repeat_rate) / coupon_first_orders
                + other_repeat_rate * (1 - other_repeat_rate) / other_first_orders) as ci_upper
        from rates
        order by order_channel
    """, (window_days,))


def coupon_windows(wh) -> list[int]:
    frame = wh.query("select distinct window_days from {marts}.fct_coupon_repeat_rates order by 1")
    return [int(v) for v in frame["window_days"]]


# --- charts -------------------------------------------------------------------------------------------------------

def liability_chart(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame).mark_area(opacity=0.6).encode(
        x=alt.X("points_date:T", title=None),
        y=alt.Y("liability_amount:Q", title=f"Liability ({insight.reporting_currency()})"),
        tooltip=["points_date:T", alt.Tooltip("points_outstanding:Q", format=",.0f"),
                 alt.Tooltip("liability_amount:Q", format=",.2f")],
    ).properties(height=240)


def monthly_flows_chart(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(id_vars="month_start", value_vars=["points_earned", "points_redeemed", "points_expired"],
                      var_name="flow", value_name="points")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("month_start:T", title=None, timeUnit="yearmonth"),
        xOffset="flow:N",
        y=alt.Y("points:Q", title="Points"),
        color=alt.Color("flow:N", title=None),
        tooltip=["month_start:T", "flow:N", alt.Tooltip("points:Q", format=",.0f")],
    ).properties(height=240)


def rates_chart(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(id_vars="month_start", value_vars=["earn_rate", "redemption_rate", "breakage_rate"],
                      var_name="rate", value_name="value")
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("month_start:T", title=None, timeUnit="yearmonth"),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format="%")),
        color=alt.Color("rate:N", title=None),
        tooltip=["month_start:T", "rate:N", alt.Tooltip("value:Q", format=".1%")],
    ).properties(height=240)


# --- page ---------------------------------------------------------------------------------------------------------

def _programme(wh) -> None:
    st.markdown("### Points programme")
    st.caption("Points issued, redeemed and expired, and what the outstanding balance is worth (outstanding x the "
               "redemption value). From the shop's loyalty ledger, or derived by the documented rules when none is "
               "loaded (docs: loyalty_ledger_rules).")
    if not wh.has("fct_loyalty_points_daily"):
        not_built("fct_loyalty_points_daily", "Points programme")
        return
    daily = points_daily(wh)
    if daily.empty:
        st.info("No ledger entry yet.")
        return
    monthly = programme_monthly(wh) if wh.has("fct_loyalty_programme_monthly") else pd.DataFrame()
    last = daily.iloc[-1]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Points outstanding", num(last["points_outstanding"]))
    m2.metric("Liability", money(last["liability_amount"]))
    if len(monthly):
        latest = monthly.iloc[-1]
        m3.metric("Redemption rate", pct(latest["redemption_rate"]), help="Points redeemed / points earned, to date")
        m4.metric("Breakage", pct(latest["breakage_rate"]), help="Points expired / points earned, to date")
    st.altair_chart(liability_chart(daily), width="stretch")
    if len(monthly):
        c1, c2 = st.columns(2)
        c1.markdown("**Points per month**")
        c1.altair_chart(monthly_flows_chart(monthly), width="stretch")
        c2.markdown("**Earn rate, redemption rate, breakage**")
        c2.altair_chart(rates_chart(monthly), width="stretch")
        table(monthly[["month_start", "members", "active_members", "points_earned", "points_redeemed",
                       "points_expired", "points_outstanding", "liability_amount", "earn_rate", "redemption_rate",
                       "breakage_rate", "is_complete"]],
              percent=["earn_rate", "redemption_rate", "breakage_rate"])


def _redemption_retention(wh) -> None:
    st.markdown("### Retention by points behaviour")
    st.caption("Customers who earned points in their first 30 days after the first order: those who also redeemed "
               "against those who did not; retained = active on a day 30 to 90 after the first order. "
               "**A correlation, not an effect**: customers choose to redeem.")
    if not wh.has("fct_loyalty_redemption_retention"):
        not_built("fct_loyalty_redemption_retention", "Retention by points behaviour")
        return
    frame = redemption_retention(wh)
    overall = frame[frame["cohort_grain"] == "all"]
    if overall.empty:
        st.info("No first-order cohort has a complete 90-day window yet.")
        return
    row = overall.iloc[0]
    nobody = "no customer who earned points in their first 30 days {}"
    with Tiles(3) as tiles:
        tiles.metric(0, "Redeemers retained", pct(row["redeemer_retention_rate"]),
                     help=f"{row['redeemers']:,.0f} customers", reason=nobody.format("also redeemed"))
        tiles.metric(1, "Earned, not redeemed, retained", pct(row["non_redeemer_retention_rate"]),
                     help=f"{row['non_redeemers']:,.0f} customers", reason=nobody.format("left points unredeemed"))
        tiles.metric(2, "Difference (95% interval)", pct(row["retention_difference"]),
                     help=f"{pct(row['difference_ci_lower'])} to {pct(row['difference_ci_upper'])}",
                     reason="it needs both redeemers and non-redeemers")
    months = frame[(frame["cohort_grain"] == "month")].dropna(subset=["retention_difference"]).copy()
    if len(months):
        months["cohort"] = pd.to_datetime(months["cohort_start"]).dt.strftime("%Y-%m")
        st.altair_chart(charts.lift_chart(months, "cohort", "retention_difference", "difference_ci_lower",
                                          "difference_ci_upper", title="redeemers - non-redeemers (share points)"),
                        width="stretch")


def _coupons(wh) -> None:
    st.markdown("### Coupons")
    st.caption("Per code: orders, the share by returning customers, and the share by customers who had bought in the "
               "previous 90 days (orders the code probably only discounted).")
    if not wh.has("fct_coupon_orders_monthly"):
        not_built("fct_coupon_orders_monthly", "Coupons")
        return
    summary = coupon_summary(wh)
    if summary.empty:
        st.info("No order used a coupon yet.")
    else:
        table(summary, percent=["returning_order_share", "recent_buyer_order_share"])
    if not wh.has("fct_coupon_repeat_rates"):
        not_built("fct_coupon_repeat_rates", "Coupon repeat rates")
        return
    windows = coupon_windows(wh)
    if not windows:
        return
    window = st.segmented_control("Repeat window (days)", windows, default=windows[-1], key="coupon_window",
                                  required=True)
    st.caption("Repeat-purchase rate of first orders with a coupon against first orders without, per first-order "
               "channel (pooled over the months, compared within each month in the mart), with a 95% interval.")
    repeat = coupon_repeat(wh, int(window)).dropna(subset=["difference"])
    if len(repeat):
        st.altair_chart(charts.lift_chart(repeat, "order_channel", "difference", "ci_lower", "ci_upper",
                                          title="coupon - no coupon (share points)"), width="stretch")
        table(repeat, percent=["coupon_repeat_rate", "other_repeat_rate", "difference", "ci_lower", "ci_upper"])


def _audiences(wh) -> None:
    st.markdown("### Loyalty audiences")
    for mart, label in LOYALTY_AUDIENCES.items():
        if not wh.has(mart):
            not_built(mart, label)
            continue
        frame = wh.query(f"select * from {{marts}}.{mart} order by contact_rank limit 200")
        count = wh.query(f"select count(*) as n from {{marts}}.{mart}")["n"].iloc[0]
        with st.expander(f"{label}: {count:,.0f} customers"):
            table(frame)


def render_loyalty_page(wh, as_of: pd.Timestamp) -> None:
    """The "Loyalty & coupons" page: programme, retention by points behaviour, coupons, audiences."""
    st.caption(f"As of {as_of:%Y-%m-%d}.")
    _programme(wh)
    _redemption_retention(wh)
    _coupons(wh)
    _audiences(wh)
