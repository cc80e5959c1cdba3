-- every day, week (under week_start) and calendar month from the period of the first active day to the period
-- of as_of_date, with its last day and whether it is complete (its last day is on or before as_of_date)
{%- set grains = ['day', 'week', 'month'] %}

with

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

numbers as (

    select * from {{ ref('int_numbers') }}

),

first_day as (

    select min(activity_date) as first_activity_date
    from activity_days

),

periods as (

    {% for grain in grains %}
    select
        cast('{{ grain }}' as {{ type_string() }}) as period_grain,
        {{ add_periods(grain, 'numbers.n', period_start(grain, 'first_day.first_activity_date')) }} as period_start
    from first_day
    inner join numbers
        on numbers.n
            <= {{ period_number(grain, period_start(grain, 'first_day.first_activity_date'), period_start(grain, as_of_date())) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        period_grain,
        period_start,
        case period_grain
            {% for grain in grains %}
            when '{{ grain }}' then {{ period_end(grain, 'period_start') }}
            {% endfor %}
        end as period_end,
        case period_grain
            {% for grain in grains %}
            when '{{ grain }}' then {{ period_end(grain, 'period_start') }} <= {{ as_of_date() }}
            {% endfor %}
        end as is_complete
    from periods

)

select * from final
