-- the active days that count for each cohort basis and activity basis: days on or after the cohort date
-- (activity before a customer's cohort date never counts in that cohort), all active days for any_activity,
-- purchase days for purchase
with

cohorts as (

    select * from {{ ref('int_customer_cohorts') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

counted as (

    select
        cohorts.cohort_basis,
        cohorts.customer_id,
        cohorts.cohort_date,
        activity_days.activity_date,
        activity_days.is_purchase_day
    from cohorts
    inner join activity_days
        on cohorts.customer_id = activity_days.customer_id
    where activity_days.activity_date >= cohorts.cohort_date

),

final as (

    select
        cohort_basis,
        cast('any_activity' as {{ type_string() }}) as activity_basis,
        customer_id,
        cohort_date,
        activity_date
    from counted
    union all
    select
        cohort_basis,
        cast('purchase' as {{ type_string() }}) as activity_basis,
        customer_id,
        cohort_date,
        activity_date
    from counted
    where is_purchase_day

)

select * from final
