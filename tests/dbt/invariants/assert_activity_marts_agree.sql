-- DAU of a day equals the customers active that day, and monthly actives equal the distinct active customers
with

activity as (

    select * from {{ ref('fct_customer_activity_daily') }}

),

daily as (

    select * from {{ ref('fct_active_customers_daily') }}

),

monthly as (

    select * from {{ ref('fct_active_customers_monthly') }}

),

stickiness as (

    select * from {{ ref('fct_stickiness') }}

),

activity_per_day as (

    select
        activity_date,
        count(*) as customers
    from activity
    group by 1

),

activity_per_month as (

    select
        {{ period_start('month', 'activity_date') }} as month_start,
        count(distinct customer_id) as customers
    from activity
    group by 1

),

stickiness_month_totals as (

    select
        period_start as month_start,
        max(customers_at_least) as customers
    from stickiness
    where period_grain = 'month' and active_days = 1
    group by 1

)

select
    'dau' as check_name,
    daily.activity_date as period_start
from daily
left join activity_per_day
    on daily.activity_date = activity_per_day.activity_date
where daily.dau <> coalesce(activity_per_day.customers, 0)
union all
select
    'monthly_active' as check_name,
    monthly.month_start as period_start
from monthly
left join activity_per_month
    on monthly.month_start = activity_per_month.month_start
where monthly.active_customers <> coalesce(activity_per_month.customers, 0)
union all
select
    'stickiness_total' as check_name,
    monthly.month_start as period_start
from monthly
left join stickiness_month_totals
    on monthly.month_start = stickiness_month_totals.month_start
where monthly.active_customers <> coalesce(stickiness_month_totals.customers, 0)
