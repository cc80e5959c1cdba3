-- monthly active customers: distinct customers active in the calendar month (metrics.md, "Activity")
with

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

period_calendar as (

    select * from {{ ref('int_period_calendar') }}

),

monthly as (

    select
        {{ period_start('month', 'activity_date') }} as month_start,
        count(distinct customer_id) as active_customers
    from activity_days
    group by 1

),

final as (

    select
        period_calendar.period_start as month_start,
        cast(coalesce(monthly.active_customers, 0) as {{ dbt.type_int() }}) as active_customers,
        period_calendar.is_complete
    from period_calendar
    left join monthly
        on period_calendar.period_start = monthly.month_start
    where period_calendar.period_grain = 'month'

)

select * from final
