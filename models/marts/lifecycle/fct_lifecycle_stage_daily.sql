-- customers per lifecycle stage on every day from the first active day to as_of_date: +1 on the first day of a
-- span and -1 the day after it ends, summed over the calendar per stage (no customer x day expansion)
with

spans as (

    select * from {{ ref('int_customer_lifecycle_spans') }}

),

period_calendar as (

    select * from {{ ref('int_period_calendar') }}

),

stages as (

    select
        'prospect' as lifecycle_stage,
        1 as stage_order
    union all
    select
        'new' as lifecycle_stage,
        2 as stage_order
    union all
    select
        'reactivated' as lifecycle_stage,
        3 as stage_order
    union all
    select
        'active' as lifecycle_stage,
        4 as stage_order
    union all
    select
        'lapsing' as lifecycle_stage,
        5 as stage_order
    union all
    select
        'dormant' as lifecycle_stage,
        6 as stage_order
    union all
    select
        'churned' as lifecycle_stage,
        7 as stage_order

),

span_changes as (

    select
        lifecycle_stage,
        valid_from as change_date,
        1 as change
    from spans
    union all
    select
        lifecycle_stage,
        cast({{ dbt.dateadd('day', 1, 'valid_to') }} as date) as change_date,
        -1 as change
    from spans
    where valid_to is not null

),

daily_changes as (

    select
        lifecycle_stage,
        change_date,
        sum(change) as change
    from span_changes
    group by 1, 2

),

calendar as (

    select period_start as stage_date
    from period_calendar
    where period_grain = 'day'

),

grid as (

    select
        calendar.stage_date,
        stages.lifecycle_stage,
        stages.stage_order
    from calendar
    cross join stages

),

final as (

    select
        grid.stage_date,
        cast(grid.lifecycle_stage as {{ type_string() }}) as lifecycle_stage,
        cast(grid.stage_order as {{ dbt.type_int() }}) as stage_order,
        cast(sum(coalesce(daily_changes.change, 0)) over (
            partition by grid.lifecycle_stage
            order by grid.stage_date
            rows between unbounded preceding and current row
        ) as {{ dbt.type_int() }}) as customers
    from grid
    left join daily_changes
        on grid.lifecycle_stage = daily_changes.lifecycle_stage
            and grid.stage_date = daily_changes.change_date

)

select * from final
