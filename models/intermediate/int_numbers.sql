-- integers 0 .. max_n, the spine for period numbers, days of a date range and k of a distribution. max_n comes
-- from the data, so no spine is ever shorter than the data: the days from the first trusted active day to
-- as_of_date (every cohort date, activity day and period number lies in between), and at least 31 (the most
-- active days a customer can have in a calendar month, fct_stickiness). Data before min_valid_timestamp is
-- quarantined, so the span is bounded by it. Built from one digit per power of ten (up to 10^7, 27,000 years of
-- days), each digit kept only as far as max_n needs, so the cross join makes at most about 10 x max_n rows on any
-- engine (no generate_series: its length must be a Jinja constant).
{%- set places = [1, 10, 100, 1000, 10000, 100000, 1000000] %}

with

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

bounds as (

    select
        greatest(
            coalesce({{ dbt.datediff('min(activity_date)', as_of_date(), 'day') }}, 0),
            31
        ) as max_n
    from activity_days

),

digits as (

    {% for digit in range(10) %}
    select {{ digit }} as digit
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

{% for place in places %}
place_{{ place }} as (

    select digits.digit * {{ place }} as place_value
    from digits
    inner join bounds
        on digits.digit * {{ place }} <= bounds.max_n

),

{% endfor %}
numbers as (

    select
        {% for place in places -%}
        place_{{ place }}.place_value{% if not loop.last %} + {% endif %}
        {%- endfor %} as n
    from place_{{ places[0] }}
    {% for place in places[1:] -%}
    cross join place_{{ place }}
    {% endfor %}

),

final as (

    select cast(numbers.n as {{ dbt.type_int() }}) as n
    from numbers
    inner join bounds
        on numbers.n <= bounds.max_n

)

select * from final
