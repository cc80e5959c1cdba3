{%- set exact_days = [1, 7, 30] -%}
{%- set windows = [7, 30] -%}

with

cohorts as (

    select * from {{ ref('int_customer_cohorts') }}

),

cohort_activity as (

    select * from {{ ref('int_cohort_activity_days') }}

),

-- day numbers since the cohort day, any-activity basis (the headline figures are activity retention)
activity_day_numbers as (

    select
        cohort_basis,
        customer_id,
        {{ dbt.datediff('cohort_date', 'activity_date', 'day') }} as day_number
    from cohort_activity
    where activity_basis = 'any_activity'

),

customer_flags as (

    select
        cohorts.cohort_basis,
        cohorts.customer_id,
        cohorts.cohort_date,
        {% for days in exact_days %}
        max(case when activity_day_numbers.day_number = {{ days }} then 1 else 0 end) as active_d{{ days }},
        {% endfor %}
        {% for days in windows %}
        max(case when activity_day_numbers.day_number between 1 and {{ days }} then 1 else 0 end)
            as active_within_{{ days }}d{{ "," if not loop.last }}
        {% endfor %}
    from cohorts
    left join activity_day_numbers
        on cohorts.cohort_basis = activity_day_numbers.cohort_basis
            and cohorts.customer_id = activity_day_numbers.customer_id
    group by 1, 2, 3

),

cohort_counts as (

    select
        cohort_basis,
        cohort_date,
        count(*) as cohort_size,
        {% for days in exact_days %}
        sum(active_d{{ days }}) as d{{ days }}_active,
        {% endfor %}
        {% for days in windows %}
        sum(active_within_{{ days }}d) as within_{{ days }}d_active{{ "," if not loop.last }}
        {% endfor %}
    from customer_flags
    group by 1, 2

),

-- a figure is null until its last day is on or before as_of_date (metrics.md, "Completeness")
final as (

    select
        cohort_basis,
        cohort_date,
        cast(cohort_size as {{ dbt.type_int() }}) as cohort_size,
        {% for days in exact_days %}
        case when {{ window_complete('cohort_date', days) }}
            then cast(d{{ days }}_active as {{ dbt.type_int() }}) end as d{{ days }}_retained_customers,
        {% endfor %}
        {% for days in windows %}
        case when {{ window_complete('cohort_date', days) }}
            then cast(within_{{ days }}d_active as {{ dbt.type_int() }}) end as within_{{ days }}d_retained_customers,
        {% endfor %}
        {% for days in exact_days %}
        case when {{ window_complete('cohort_date', days) }}
            then {{ safe_rate('d' ~ days ~ '_active', 'cohort_size') }} end as d{{ days }}_retention,
        {% endfor %}
        {% for days in windows %}
        case when {{ window_complete('cohort_date', days) }}
            then {{ safe_rate('within_' ~ days ~ 'd_active', 'cohort_size') }} end
            as within_{{ days }}d_retention{{ "," if not loop.last }}
        {% endfor %}
    from cohort_counts

)

select * from final
