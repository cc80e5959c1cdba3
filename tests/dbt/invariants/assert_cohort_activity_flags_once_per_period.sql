-- the first-day and last-day flags of int_cohort_activity_days, re-derived by grouping (D-033): every customer has
-- exactly one first active day in each week and month it was active in (per cohort basis and activity basis), and
-- exactly one last active day. The cohort marts count customers per period by these flags, so a wrong flag is a
-- wrong retention count
with

cohort_activity as (

    select * from {{ ref('int_cohort_activity_days') }}

),

flagged as (

    select
        cohort_basis,
        activity_basis,
        customer_id,
        activity_date,
        case when is_first_day_of_week then 1 else 0 end as first_of_week,
        case when is_first_day_of_month then 1 else 0 end as first_of_month,
        case when is_last_active_day then 1 else 0 end as last_day
    from cohort_activity

),

{% for grain in ['week', 'month'] %}
{{ grain }}s as (

    select
        cohort_basis,
        activity_basis,
        customer_id,
        cast('{{ grain }}' as {{ type_string() }}) as checked,
        {{ period_start(grain, 'activity_date') }} as period_start,
        sum(first_of_{{ grain }}) as flagged_days
    from flagged
    group by 1, 2, 3, 4, 5

),

{% endfor %}
last_days as (

    select
        cohort_basis,
        activity_basis,
        customer_id,
        cast('last day' as {{ type_string() }}) as checked,
        max(activity_date) as period_start,
        sum(last_day) as flagged_days
    from flagged
    group by 1, 2, 3, 4

),

checked as (

    select * from weeks
    union all
    select * from months
    union all
    select * from last_days

)

select *
from checked
where flagged_days <> 1
