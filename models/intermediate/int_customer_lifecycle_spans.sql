-- each customer's lifecycle stage over time as spans [valid_from, valid_to] (metrics.md, "Lifecycle stage"), so
-- the stage of every customer on every past day is known and can be rebuilt. A stage can only change on a day
-- where one of its inputs changes: signup, a purchase day p, an active day a, or the days p + new_customer_days,
-- p + active_window_days, a + active_window_days, p + dormant_after_days + 1, p + churned_after_days + 1.
-- The stage is evaluated on exactly those candidate days from running maxima (linear), then equal stages merge.
{%- set new_days = var('new_customer_days') %}
{%- set active_days = var('active_window_days') %}
{%- set dormant_days = var('dormant_after_days') %}
{%- set churned_days = var('churned_after_days') %}

with

customers as (

    select * from {{ ref('int_customers') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

-- gaps are measured between purchase days; a purchase day more than dormant_after_days after the previous one
-- is a reactivation
purchase_days as (

    select
        customer_id,
        activity_date as purchase_date,
        lag(activity_date) over (partition by customer_id order by activity_date) as previous_purchase_date
    from activity_days
    where is_purchase_day

),

purchase_gaps as (

    select
        customer_id,
        purchase_date,
        {{ dbt.datediff('previous_purchase_date', 'purchase_date', 'day') }}
            as gap_days
    from purchase_days

),

-- the days after a purchase or an active day where a threshold is crossed
boundary_days as (

    {% for offset in [new_days, active_days, dormant_days + 1, churned_days + 1] %}
    select
        customer_id,
        cast({{ dbt.dateadd('day', offset, 'purchase_date') }} as date)
            as candidate_date
    from purchase_days
    union all
    {% endfor %}
    select
        customer_id,
        cast({{ dbt.dateadd('day', active_days, 'activity_date') }} as date)
            as candidate_date
    from activity_days

),

timeline as (

    select
        customer_id,
        signup_date as candidate_date,
        cast(null as date) as purchase_date,
        cast(null as date) as reactivation_date,
        cast(null as date) as active_date
    from customers
    union all
    select
        customer_id,
        purchase_date as candidate_date,
        purchase_date,
        case
            when gap_days > {{ dormant_days }} then purchase_date
        end as reactivation_date,
        cast(null as date) as active_date
    from purchase_gaps
    union all
    select
        customer_id,
        activity_date as candidate_date,
        cast(null as date) as purchase_date,
        cast(null as date) as reactivation_date,
        activity_date as active_date
    from activity_days
    union all
    select
        customer_id,
        candidate_date,
        cast(null as date) as purchase_date,
        cast(null as date) as reactivation_date,
        cast(null as date) as active_date
    from boundary_days

),

per_day as (

    select
        customer_id,
        candidate_date,
        max(purchase_date) as purchase_date,
        max(reactivation_date) as reactivation_date,
        max(active_date) as active_date
    from timeline
    where candidate_date <= {{ as_of_date() }}
    group by 1, 2

),

running as (

    select
        per_day.customer_id,
        per_day.candidate_date,
        customers.signup_date,
        min(per_day.purchase_date) over (
            partition by per_day.customer_id order by per_day.candidate_date rows unbounded preceding
        ) as first_purchase_date,
        max(per_day.purchase_date) over (
            partition by per_day.customer_id order by per_day.candidate_date rows unbounded preceding
        ) as last_purchase_date,
        max(per_day.reactivation_date) over (
            partition by per_day.customer_id order by per_day.candidate_date rows unbounded preceding
        ) as last_reactivation_date,
        max(per_day.active_date) over (
            partition by per_day.customer_id order by per_day.candidate_date rows unbounded preceding
        ) as last_active_date
    from per_day
    inner join customers
        on per_day.customer_id = customers.customer_id

),

day_counts as (

    select
        customer_id,
        candidate_date,
        last_purchase_date,
        {{ dbt.datediff('first_purchase_date', 'candidate_date', 'day') }}
            as days_since_first_purchase,
        {{ dbt.datediff('last_reactivation_date', 'candidate_date', 'day') }}
            as days_since_reactivation,
        {{ dbt.datediff('last_active_date', 'candidate_date', 'day') }}
            as days_since_active,
        {{ dbt.datediff('last_purchase_date', 'candidate_date', 'day') }}
            as days_since_purchase
    from running
    where candidate_date >= signup_date

),

-- first matching rule wins (metrics.md, "Lifecycle stage")
staged as (

    select
        customer_id,
        candidate_date,
        case
            when last_purchase_date is null then 'prospect'
            when days_since_first_purchase < {{ new_days }} then 'new'
            when days_since_reactivation < {{ active_days }} then 'reactivated'
            when days_since_active < {{ active_days }} then 'active'
            when days_since_purchase <= {{ dormant_days }} then 'lapsing'
            when days_since_purchase <= {{ churned_days }} then 'dormant'
            else 'churned'
        end as lifecycle_stage
    from day_counts

),

changes as (

    select
        customer_id,
        candidate_date,
        lifecycle_stage,
        lag(lifecycle_stage) over (partition by customer_id order by candidate_date) as previous_stage
    from staged

),

spans as (

    select
        customer_id,
        lifecycle_stage,
        candidate_date as valid_from,
        lead(candidate_date) over (partition by customer_id order by candidate_date) as next_valid_from
    from changes
    where previous_stage is null or previous_stage <> lifecycle_stage

),

final as (

    select
        customer_id,
        cast(lifecycle_stage as {{ type_string() }}) as lifecycle_stage,
        valid_from,
        cast({{ dbt.dateadd('day', -1, 'next_valid_from') }} as date) as valid_to,
        next_valid_from is null as is_current
    from spans

)

select * from final
