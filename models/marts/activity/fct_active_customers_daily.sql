-- DAU, WAU, MAU and stickiness for every day from the first active day to as_of_date (metrics.md, "Activity").
-- Rolling distinct counts without a self-join: each active day a covers the window days [a, a + N - 1], cut
-- at the customer's next active day, so a customer's covered intervals never overlap; +1 at the start and -1
-- after the end of each interval, summed over the calendar, count every customer once per day. Linear.
with

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

period_calendar as (

    select * from {{ ref('int_period_calendar') }}

),

calendar as (

    select period_start as activity_date
    from period_calendar
    where period_grain = 'day'

),

with_next as (

    select
        customer_id,
        activity_date,
        lead(activity_date) over (partition by customer_id order by activity_date) as next_activity_date
    from activity_days

),

coverage_changes as (

    select
        activity_date as change_date,
        1 as dau_change,
        1 as wau_change,
        1 as mau_change
    from with_next
    union all
    select
        cast({{ dbt.dateadd('day', 1, 'activity_date') }} as date) as change_date,
        -1 as dau_change,
        0 as wau_change,
        0 as mau_change
    from with_next
    union all
    select
        case
            when next_activity_date is not null and next_activity_date < {{ dbt.dateadd('day', 7, 'activity_date') }}
                then next_activity_date
            else cast({{ dbt.dateadd('day', 7, 'activity_date') }} as date)
        end as change_date,
        0 as dau_change,
        -1 as wau_change,
        0 as mau_change
    from with_next
    union all
    select
        case
            when next_activity_date is not null and next_activity_date < {{ dbt.dateadd('day', 30, 'activity_date') }}
                then next_activity_date
            else cast({{ dbt.dateadd('day', 30, 'activity_date') }} as date)
        end as change_date,
        0 as dau_change,
        0 as wau_change,
        -1 as mau_change
    from with_next

),

daily_changes as (

    select
        change_date,
        sum(dau_change) as dau_change,
        sum(wau_change) as wau_change,
        sum(mau_change) as mau_change
    from coverage_changes
    group by 1

),

running as (

    select
        calendar.activity_date,
        sum(coalesce(daily_changes.dau_change, 0)) over (order by calendar.activity_date rows unbounded preceding) as dau,
        sum(coalesce(daily_changes.wau_change, 0)) over (order by calendar.activity_date rows unbounded preceding) as wau,
        sum(coalesce(daily_changes.mau_change, 0)) over (order by calendar.activity_date rows unbounded preceding) as mau
    from calendar
    left join daily_changes
        on calendar.activity_date = daily_changes.change_date

),

final as (

    select
        activity_date,
        cast(dau as {{ dbt.type_int() }}) as dau,
        cast(wau as {{ dbt.type_int() }}) as wau,
        cast(mau as {{ dbt.type_int() }}) as mau,
        {{ safe_rate('dau', 'mau') }} as stickiness
    from running

)

select * from final
