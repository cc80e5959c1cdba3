-- one row per order line of a valid order up to as_of_date (int_orders_enriched), with its product's category
-- ('unknown' when the product is missing from the catalogue or has no category), the unit price in the reporting
-- currency (at the order's fx rate) and the line's share of the order's net revenue (the order's net revenue split
-- across its lines in proportion to their line amounts: discounts and refunds are order-level)
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

order_line_totals as (

    select
        order_id,
        sum(line_amount) as order_line_amount
    from order_items
    group by 1

),

final as (

    select
        order_items.order_item_id,
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_date,
        orders.order_sequence,
        order_items.product_id,
        coalesce(products.category, 'unknown') as category,
        order_items.quantity,
        cast(order_items.unit_price_amount * orders.fx_rate as {{ type_money() }}) as unit_price,
        cast(order_items.line_amount * orders.fx_rate as {{ type_money() }}) as line_amount,
        cast(case
            when order_line_totals.order_line_amount > 0
                then orders.net_revenue * order_items.line_amount / order_line_totals.order_line_amount
            else 0
        end as {{ type_money() }}) as line_net_revenue
    from orders
    inner join order_items
        on orders.order_id = order_items.order_id
    inner join order_line_totals
        on orders.order_id = order_line_totals.order_id
    left join products
        on order_items.product_id = products.product_id

)

select * from final
