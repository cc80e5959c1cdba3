-- new, returning, resurrecting and dormant customers per day, week and month (metrics.md, "Period lifecycle";
-- PostHog's lifecycle semantics, except that registering counts as activity here)
{%- set grains = ['day', 'week', 'month'] %}

with

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

period_calendar as (

    select * from {{ ref('int_period_calendar') }}

),

-- each active day with the customer's previous and next active day: one window for every grain (decision D-037)
customer_days as (

    select
        activity_days.customer_id,
        activity_days.activity_date,
        customers.signup_date,
        lag(activity_days.activity_date) over (
            partition by activity_days.customer_id order by activity_days.activity_date
        ) as previous_active_date,
        lead(activity_days.activity_date) over (
            partition by activity_days.customer_id order by activity_days.activity_date
        ) as next_active_date
    from activity_days
    inner join customers
        on activity_days.customer_id = customers.customer_id

),

-- per grain, each active day's period and the customer's previous and next active periods: the previous active day
-- lies in the previous active period (the next one in the next), so the first day of an active period stands for
-- it (previous active period another period) and its last day looks ahead (next active period another period)
period_days as (
    {% for grain in grains %}
    select
        cast('{{ grain }}' as {{ type_string() }}) as period_grain,
        customer_id,
        {{ period_start(grain, 'activity_date') }} as period_start,
        {{ period_start(grain, 'signup_date') }} as signup_period_start,
        {{ period_start(grain, 'previous_active_date') }} as previous_active_start,
        {{ period_start(grain, 'next_active_date') }} as next_active_start,
        {{ add_periods(grain, -1, period_start(grain, 'activity_date')) }} as previous_period_start,
        {{ add_periods(grain, 1, period_start(grain, 'activity_date')) }} as next_period_start
    from customer_days
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- an active period is new (first active period and the signup period), returning (active in the previous
-- period too) or resurrecting (otherwise: a customer active before signing up is never new)
statuses as (

    select
        period_grain,
        period_start,
        case
            when previous_active_start is null and period_start = signup_period_start then 'new'
            when previous_active_start = previous_period_start then 'returning'
            else 'resurrecting'
        end as status,
        customer_id
    from period_days
    where previous_active_start is null or previous_active_start <> period_start

    union all

    -- dormant once, in the first inactive period after an active period, if it has started by as_of_date
    select
        period_grain,
        next_period_start as period_start,
        'dormant' as status,
        customer_id
    from period_days
    where (next_active_start is null or next_active_start <> period_start)
        and (next_active_start is null or next_active_start <> next_period_start)
        and next_period_start <= {{ as_of_date() }}

),

counted as (

    select
        period_grain,
        period_start,
        status,
        count(*) as customers
    from statuses
    group by 1, 2, 3

),

status_values as (

    select 'new' as status
    union all
    select 'returning' as status
    union all
    select 'resurrecting' as status
    union all
    select 'dormant' as status

),

spine as (

    select
        period_calendar.period_grain,
        period_calendar.period_start,
        period_calendar.is_complete,
        status_values.status
    from period_calendar
    cross join status_values

),

final as (

    select
        spine.period_grain,
        spine.period_start,
        cast(spine.status as {{ type_string() }}) as status,
        cast(coalesce(counted.customers, 0) as {{ dbt.type_int() }}) as customers,
        spine.is_complete
    from spine
    left join counted
        on spine.period_grain = counted.period_grain
            and spine.period_start = counted.period_start
            and spine.status = counted.status

)

select * from final
