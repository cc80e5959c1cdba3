with

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

final as (

    select
        customer_id,
        activity_date,
        is_purchase_day,
        is_signup_day,
        cast(qualifying_events as {{ dbt.type_int() }}) as qualifying_events,
        cast(valid_orders as {{ dbt.type_int() }}) as valid_orders,
        net_revenue
    from activity_days

)

select * from final
