-- coupon usage per coupon code and calendar month of valid orders up to as_of_date (docs: coupon_orders_monthly):
-- orders and customers, new (the customer's first valid order) against returning, the returning orders whose
-- customer had bought in the previous var('coupon_repeat_windows')[-1] days ("would probably have bought anyway"),
-- the discount given and the net revenue in the reporting currency
{%- set recent_days = var('coupon_repeat_windows')[-1] %}

with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

coupon_orders as (

    select
        coupon_code,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as order_month,
        order_id,
        customer_id,
        is_first_order,
        coalesce(days_since_previous_order <= {{ recent_days }}, false) as is_recent_buyer,
        subtotal_amount * fx_rate as subtotal,
        discount_amount * fx_rate as discount,
        net_revenue
    from orders
    where coupon_code is not null

),

aggregated as (

    select
        coupon_code,
        order_month,
        count(*) as orders,
        count(distinct customer_id) as customers,
        sum(case when is_first_order then 1 else 0 end) as new_customer_orders,
        sum(case when is_first_order then 0 else 1 end) as returning_customer_orders,
        sum(case when is_recent_buyer then 1 else 0 end) as recent_buyer_orders,
        count(distinct case when not is_first_order then customer_id end) as returning_customers,
        sum(subtotal) as subtotal,
        sum(discount) as discount,
        sum(net_revenue) as net_revenue
    from coupon_orders
    group by 1, 2

),

final as (

    select
        coupon_code,
        order_month,
        cast(orders as {{ dbt.type_int() }}) as orders,
        cast(customers as {{ dbt.type_int() }}) as customers,
        cast(new_customer_orders as {{ dbt.type_int() }}) as new_customer_orders,
        cast(returning_customer_orders as {{ dbt.type_int() }}) as returning_customer_orders,
        cast(returning_customers as {{ dbt.type_int() }}) as returning_customers,
        {{ proportion('returning_customer_orders', 'orders') }} as returning_order_share,
        cast(recent_buyer_orders as {{ dbt.type_int() }}) as recent_buyer_orders,
        {{ proportion('recent_buyer_orders', 'orders') }} as recent_buyer_order_share,
        cast(discount as {{ type_money() }}) as discount_amount,
        cast(net_revenue as {{ type_money() }}) as net_revenue,
        {{ proportion('discount', 'subtotal') }} as discount_rate
    from aggregated

)

select * from final
