-- each customer's cohort date on each cohort basis (metrics.md, "Cohort retention"): signup (registration day)
-- and first_order (day of the first valid order; prospects are in no first_order cohort)
with

customers as (

    select * from {{ ref('int_customers') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

first_orders as (

    select
        customer_id,
        min(order_date) as first_order_date
    from orders
    group by 1

),

unioned as (

    select
        cast('signup' as {{ type_string() }}) as cohort_basis,
        customer_id,
        signup_date as cohort_date
    from customers
    union all
    select
        cast('first_order' as {{ type_string() }}) as cohort_basis,
        customer_id,
        first_order_date as cohort_date
    from first_orders

),

final as (

    select
        unioned.cohort_basis,
        unioned.customer_id,
        unioned.cohort_date,
        customers.acquisition_channel,
        customers.country_code
    from unioned
    inner join customers
        on unioned.customer_id = customers.customer_id

)

select * from final
