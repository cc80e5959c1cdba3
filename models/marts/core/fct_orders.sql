with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

final as (

    select
        order_id,
        customer_id,
        ordered_at,
        order_date,
        cast(order_sequence as {{ dbt.type_int() }}) as order_sequence,
        is_first_order,
        previous_order_date,
        cast(days_since_previous_order as {{ dbt.type_int() }}) as days_since_previous_order,
        order_status,
        order_channel,
        currency_code,
        fx_rate,
        subtotal_amount,
        discount_amount,
        refund_applied_amount,
        net_revenue_local,
        net_revenue,
        has_discount,
        coupon_code,
        cast(delivery_days as {{ dbt.type_int() }}) as delivery_days,
        cast(item_lines as {{ dbt.type_int() }}) as item_lines,
        cast(item_quantity as {{ dbt.type_int() }}) as item_quantity
    from orders

)

select * from final
