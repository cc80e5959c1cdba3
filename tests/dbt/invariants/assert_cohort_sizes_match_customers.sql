-- signup cohorts hold every customer once; first-order cohorts every customer with a valid order
with

retention as (

    select * from {{ ref('fct_cohort_retention') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

cohort_totals as (

    select
        cohort_basis,
        sum(cohort_size) as customers_in_cohorts
    from retention
    where period_number = 0 and activity_basis = 'any_activity' and period_grain = 'month'
    group by 1

),

expected as (

    select
        'signup' as cohort_basis,
        count(*) as customers
    from customers
    union all
    select
        'first_order' as cohort_basis,
        count(*) as customers
    from customers
    where first_order_date is not null

)

select
    expected.cohort_basis,
    expected.customers,
    cohort_totals.customers_in_cohorts
from expected
left join cohort_totals
    on expected.cohort_basis = cohort_totals.cohort_basis
where coalesce(cohort_totals.customers_in_cohorts, 0) <> expected.customers
