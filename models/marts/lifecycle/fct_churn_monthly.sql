-- monthly churn (metrics.md, "Lifecycle stage"): customers who entered churned during the month / customers in
-- new, reactivated, active, lapsing or dormant at the start of the month (their stage on the previous day),
-- beside customers who entered new and reactivated, and the net change
with

spans as (

    select * from {{ ref('int_customer_lifecycle_spans') }}

),

stage_daily as (

    select * from {{ ref('fct_lifecycle_stage_daily') }}

),

period_calendar as (

    select * from {{ ref('int_period_calendar') }}

),

months as (

    select
        period_start as month_start,
        period_end as month_end,
        is_complete
    from period_calendar
    where period_grain = 'month'

),

at_risk_at_start as (

    select
        months.month_start,
        sum(stage_daily.customers) as customers_at_start
    from months
    inner join stage_daily
        on stage_daily.stage_date = cast({{ dbt.dateadd('day', -1, 'months.month_start') }} as date)
    where stage_daily.lifecycle_stage in ('new', 'reactivated', 'active', 'lapsing', 'dormant')
    group by 1

),

entries as (

    select
        {{ period_start('month', 'valid_from') }} as month_start,
        count(distinct case when lifecycle_stage = 'churned' then customer_id end) as churned_customers,
        count(distinct case when lifecycle_stage = 'new' then customer_id end) as new_customers,
        count(distinct case when lifecycle_stage = 'reactivated' then customer_id end) as reactivated_customers
    from spans
    group by 1

),

final as (

    select
        months.month_start,
        cast(coalesce(at_risk_at_start.customers_at_start, 0) as {{ dbt.type_int() }}) as customers_at_start,
        cast(coalesce(entries.churned_customers, 0) as {{ dbt.type_int() }}) as churned_customers,
        {{ safe_rate('coalesce(entries.churned_customers, 0)', 'at_risk_at_start.customers_at_start') }} as churn_rate,
        cast(coalesce(entries.new_customers, 0) as {{ dbt.type_int() }}) as new_customers,
        cast(coalesce(entries.reactivated_customers, 0) as {{ dbt.type_int() }}) as reactivated_customers,
        cast(
            coalesce(entries.new_customers, 0) + coalesce(entries.reactivated_customers, 0)
            - coalesce(entries.churned_customers, 0) as {{ dbt.type_int() }}
        ) as net_change,
        months.is_complete
    from months
    left join at_risk_at_start
        on months.month_start = at_risk_at_start.month_start
    left join entries
        on months.month_start = entries.month_start

)

select * from final
