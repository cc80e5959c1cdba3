-- the active days that count for each cohort basis and activity basis: days on or after the cohort date
-- (activity before a customer's cohort date never counts in that cohort), all active days for any_activity,
-- purchase days for purchase. Each row says whether it is the customer's first counted day of its week and month
-- and the last counted day up to as_of_date, so the cohort marts count customers per period with one pass over
-- this table and no distinct (D-033)
with

cohorts as (

    select * from {{ ref('int_customer_cohorts') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

-- each customer's neighbouring active days and purchase days, once per customer (not per cohort basis)
neighbours as (

    select
        customer_id,
        activity_date,
        is_purchase_day,
        lag(activity_date) over (partition by customer_id order by activity_date) as previous_active_date,
        lead(activity_date) over (partition by customer_id order by activity_date) as next_active_date,
        max(case when is_purchase_day then activity_date end) over (
            partition by customer_id order by activity_date rows between unbounded preceding and 1 preceding
        ) as previous_purchase_date,
        min(case when is_purchase_day then activity_date end) over (
            partition by customer_id order by activity_date rows between 1 following and unbounded following
        ) as next_purchase_date
    from activity_days

),

counted as (

    select
        cohorts.cohort_basis,
        cohorts.customer_id,
        cohorts.cohort_date,
        neighbours.activity_date,
        neighbours.is_purchase_day,
        neighbours.previous_active_date,
        neighbours.next_active_date,
        neighbours.previous_purchase_date,
        neighbours.next_purchase_date
    from cohorts
    inner join neighbours
        on cohorts.customer_id = neighbours.customer_id
    where neighbours.activity_date >= cohorts.cohort_date

),

by_basis as (

    select
        cohort_basis,
        cast('any_activity' as {{ type_string() }}) as activity_basis,
        customer_id,
        cohort_date,
        activity_date,
        previous_active_date as previous_date,
        next_active_date as next_date
    from counted
    union all
    select
        cohort_basis,
        cast('purchase' as {{ type_string() }}) as activity_basis,
        customer_id,
        cohort_date,
        activity_date,
        previous_purchase_date as previous_date,
        next_purchase_date as next_date
    from counted
    where is_purchase_day

),

-- a previous day before the cohort date is not a counted day of this cohort
final as (

    select
        cohort_basis,
        activity_basis,
        customer_id,
        cohort_date,
        activity_date,
        {%- for grain in ['week', 'month'] %}
        coalesce(
            previous_date < cohort_date or previous_date < {{ period_start(grain, 'activity_date') }}, true
        ) as is_first_day_of_{{ grain }},
        {%- endfor %}
        next_date is null as is_last_active_day
    from by_basis

)

select * from final
