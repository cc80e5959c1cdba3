-- revenue in every mart reconciles with fct_orders (metrics.md, "Invariants"): customer lifetime revenue,
-- daily activity revenue and the last cohort-LTV offset of every cohort
with

orders as (

    select sum(net_revenue) as net_revenue from {{ ref('fct_orders') }}

),

customers as (

    select sum(lifetime_net_revenue) as net_revenue from {{ ref('dim_customers') }}

),

activity as (

    select sum(net_revenue) as net_revenue from {{ ref('fct_customer_activity_daily') }}

),

cohort_ltv as (

    select * from {{ ref('fct_cohort_ltv') }}

),

last_offsets as (

    select
        cohort_month,
        max(month_offset) as month_offset
    from cohort_ltv
    group by 1

),

ltv_last as (

    select sum(cohort_ltv.cumulative_net_revenue) as net_revenue
    from cohort_ltv
    inner join last_offsets
        on cohort_ltv.cohort_month = last_offsets.cohort_month
            and cohort_ltv.month_offset = last_offsets.month_offset

),

compared as (

    select
        'dim_customers' as mart,
        customers.net_revenue as mart_revenue,
        orders.net_revenue as orders_revenue
    from customers cross join orders
    union all
    select
        'fct_customer_activity_daily' as mart,
        activity.net_revenue as mart_revenue,
        orders.net_revenue as orders_revenue
    from activity cross join orders
    union all
    select
        'fct_cohort_ltv' as mart,
        ltv_last.net_revenue as mart_revenue,
        orders.net_revenue as orders_revenue
    from ltv_last cross join orders

)

select *
from compared
where coalesce(mart_revenue, 0) <> coalesce(orders_revenue, 0)
