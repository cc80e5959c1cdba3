-- customers per lifecycle stage sum to the customers registered by that day (metrics.md, "Invariants"), and the
-- counts on as_of_date equal dim_customers' current stages
with

stage_daily as (

    select * from {{ ref('fct_lifecycle_stage_daily') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

per_day as (

    select
        stage_date,
        sum(customers) as staged_customers
    from stage_daily
    group by 1

),

registered as (

    select
        per_day.stage_date,
        per_day.staged_customers,
        count(customers.customer_id) as registered_customers
    from per_day
    left join customers
        on per_day.stage_date >= customers.signup_date
    group by 1, 2

),

current_stages as (

    select
        lifecycle_stage,
        count(*) as customers
    from customers
    group by 1

),

on_as_of as (

    select
        stage_daily.lifecycle_stage,
        stage_daily.customers,
        coalesce(current_stages.customers, 0) as dim_customers
    from stage_daily
    left join current_stages
        on stage_daily.lifecycle_stage = current_stages.lifecycle_stage
    where stage_daily.stage_date = {{ as_of_date() }}

)

select
    'registered' as check_name,
    stage_date
from registered
where staged_customers <> registered_customers
union all
select
    'as_of_date' as check_name,
    {{ as_of_date() }} as stage_date
from on_as_of
where customers <> dim_customers
