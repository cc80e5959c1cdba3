-- one row per valid order and product in it (metrics.md, "Orders and revenue"): what "ordered the product"
-- means for the audiences; an order line of an order that is not valid as of as_of_date never counts
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

final as (

    select
        orders.order_id,
        order_items.product_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_date,
        sum(order_items.quantity) as quantity
    from orders
    inner join order_items
        on orders.order_id = order_items.order_id
    group by orders.order_id, order_items.product_id, orders.customer_id, orders.ordered_at, orders.order_date

)

select * from final
