-- what the warehouse says about each customer as of as_of_date (lifecycle stage, membership tier, RFM segment),
-- stamped with as_of_date: the relation the customer_state snapshot records run after run
with

customers as (

    select * from {{ ref('dim_customers') }}

),

final as (

    select
        customer_id,
        lifecycle_stage,
        membership_tier,
        coalesce(rfm_segment, 'No orders') as rfm_segment,
        cast({{ as_of_date() }} as {{ dbt.type_timestamp() }}) as as_of_at
    from customers

)

select * from final
