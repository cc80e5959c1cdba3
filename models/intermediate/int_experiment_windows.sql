-- one row per experiment and assigned customer (metrics.md, "Activation and experiments"): the customer's
-- variant, assignment day (reporting time zone) and, for each window N in (7, 30), whether it is complete
-- (assignment day + N <= as_of_date) and whether the customer was active on a day 1..N after the assignment
-- day (an active day: int_customer_activity_days). Assignments after as_of_date and customers that do not exist
-- as of as_of_date are left out; a customer keeps their first assignment to an experiment (staging).
{%- set windows = [7, 30] %}

with

assignments as (

    select * from {{ ref('stg_shop__experiment_assignments') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

assigned as (

    select
        assignments.experiment_id,
        assignments.variant,
        assignments.customer_id,
        assignments.assigned_at,
        assignments.assigned_date
    from assignments
    inner join customers
        on assignments.customer_id = customers.customer_id
    where assignments.assigned_date <= {{ as_of_date() }}

),

final as (

    select
        assigned.experiment_id,
        assigned.variant,
        assigned.customer_id,
        assigned.assigned_at,
        {% for days in windows %}
        {{ window_complete('assigned.assigned_date', days) }}
            as is_complete_{{ days }}d,
        max(case
            when {{ within_days_after('activity_days.activity_date', 'assigned.assigned_date', days) }} then 1
            else 0
        end) = 1 as is_retained_{{ days }}d,
        {% endfor %}
        assigned.assigned_date
    from assigned
    left join activity_days
        on assigned.customer_id = activity_days.customer_id
            and assigned.assigned_date < activity_days.activity_date
            and activity_days.activity_date <= {{ dbt.dateadd('day', windows | max, 'assigned.assigned_date') }}
    group by
        assigned.experiment_id,
        assigned.variant,
        assigned.customer_id,
        assigned.assigned_at,
        assigned.assigned_date

)

select * from final
