-- stickiness distribution (metrics.md, "Stickiness distribution"): for each week and month up to as_of_date
-- (the one in progress included), customers active on exactly k days and on k days or more, k = 1 up to the
-- most active days any customer had in that period
{%- set grains = ['week', 'month'] %}

with

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

period_calendar as (

    select * from {{ ref('int_period_calendar') }}

),

numbers as (

    select * from {{ ref('int_numbers') }}

),

customer_period_days as (

    {% for grain in grains %}
    select
        cast('{{ grain }}' as {{ type_string() }}) as period_grain,
        {{ period_start(grain, 'activity_date') }} as period_start,
        customer_id,
        count(*) as active_days
    from activity_days
    group by 1, 2, 3
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

histogram as (

    select
        period_grain,
        period_start,
        active_days,
        count(*) as customers
    from customer_period_days
    group by 1, 2, 3

),

period_max as (

    select
        period_grain,
        period_start,
        max(active_days) as max_active_days
    from histogram
    group by 1, 2

),

spine as (

    select
        period_max.period_grain,
        period_max.period_start,
        numbers.n as active_days
    from period_max
    inner join numbers
        on numbers.n between 1 and period_max.max_active_days

),

final as (

    select
        spine.period_grain,
        spine.period_start,
        cast(spine.active_days as {{ dbt.type_int() }}) as active_days,
        cast(coalesce(histogram.customers, 0) as {{ dbt.type_int() }}) as customers,
        cast(sum(coalesce(histogram.customers, 0)) over (
            partition by spine.period_grain, spine.period_start
            order by spine.active_days desc
            rows between unbounded preceding and current row
        ) as {{ dbt.type_int() }}) as customers_at_least,
        period_calendar.is_complete
    from spine
    inner join period_calendar
        on spine.period_grain = period_calendar.period_grain
            and spine.period_start = period_calendar.period_start
    left join histogram
        on spine.period_grain = histogram.period_grain
            and spine.period_start = histogram.period_start
            and spine.active_days = histogram.active_days

)

select * from final
