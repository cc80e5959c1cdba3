-- next-day, day-7, day-30, within-7 and within-30 retention per cohort day, any-activity basis
-- (metrics.md, "Cohort retention"); every figure is null until its last day is on or before as_of_date
{%- set exact_days = [1, 7, 30] %}
{%- set windows = [7, 30] %}

with

cohorts as (

    select * from {{ ref('int_customer_cohorts') }}

),

cohort_activity as (

    select * from {{ ref('int_cohort_activity_days') }}

),

customer_flags as (

    select
        cohorts.cohort_basis,
        cohorts.customer_id,
        {% for days in exact_days %}
        max(case
            when cohort_activity.activity_date = {{ dbt.dateadd('day', days, 'cohorts.cohort_date') }} then 1 else 0
        end) as active_d{{ days }},
        {% endfor %}
        {% for days in windows %}
        max(case
            when {{ within_days_after('cohort_activity.activity_date', 'cohorts.cohort_date', days) }} then 1 else 0
        end) as active_within_{{ days }}d,
        {% endfor %}
        cohorts.cohort_date
    from cohorts
    left join cohort_activity
        on cohorts.cohort_basis = cohort_activity.cohort_basis
            and cohorts.customer_id = cohort_activity.customer_id
            and cohort_activity.activity_basis = 'any_activity'
    group by cohorts.cohort_basis, cohorts.customer_id, cohorts.cohort_date

),

cohort_counts as (

    select
        cohort_basis,
        cohort_date,
        {% for days in exact_days %}
        sum(active_d{{ days }}) as d{{ days }}_active,
        {% endfor %}
        {% for days in windows %}
        sum(active_within_{{ days }}d) as within_{{ days }}d_active,
        {% endfor %}
        count(*) as cohort_size
    from customer_flags
    group by cohort_basis, cohort_date

),

final as (

    select
        cohort_basis,
        cohort_date,
        cast(cohort_size as {{ dbt.type_int() }}) as cohort_size,
        {{ when_complete('cohort_date', 1, 'cast(d1_active as ' ~ dbt.type_int() ~ ')') }} as d1_retained_customers,
        {{ when_complete('cohort_date', 7, 'cast(d7_active as ' ~ dbt.type_int() ~ ')') }} as d7_retained_customers,
        {{ when_complete('cohort_date', 30, 'cast(d30_active as ' ~ dbt.type_int() ~ ')') }} as d30_retained_customers,
        {{ when_complete('cohort_date', 7, 'cast(within_7d_active as ' ~ dbt.type_int() ~ ')') }}
            as within_7d_retained_customers,
        {{ when_complete('cohort_date', 30, 'cast(within_30d_active as ' ~ dbt.type_int() ~ ')') }}
            as within_30d_retained_customers,
        {{ when_complete('cohort_date', 1, safe_rate('d1_active', 'cohort_size')) }} as d1_retention,
        {{ when_complete('cohort_date', 7, safe_rate('d7_active', 'cohort_size')) }} as d7_retention,
        {{ when_complete('cohort_date', 30, safe_rate('d30_active', 'cohort_size')) }} as d30_retention,
        {{ when_complete('cohort_date', 7, safe_rate('within_7d_active', 'cohort_size')) }} as within_7d_retention,
        {{ when_complete('cohort_date', 30, safe_rate('within_30d_active', 'cohort_size')) }} as within_30d_retention
    from cohort_counts

)

select * from final
