-- one row per customer with a valid order: the attributes of their first valid order (order_sequence 1) that the
-- first-purchase experience is sliced by (metrics.md, "First-purchase experience"): delivery days bucketed, discount
-- used, order channel, and the top category (the category with the highest line amount in the order, ties by
-- category name byte-wise; 'unknown' when the order has no known line)
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

first_orders as (

    select
        customer_id,
        order_id,
        order_date,
        order_channel,
        has_discount,
        delivery_days
    from orders
    where is_first_order

),

category_amounts as (

    select
        first_orders.order_id,
        coalesce(products.category, 'unknown') as category,
        sum(order_items.line_amount) as category_line_amount
    from first_orders
    inner join order_items
        on first_orders.order_id = order_items.order_id
    left join products
        on order_items.product_id = products.product_id
    group by 1, 2

),

ranked_categories as (

    select
        order_id,
        category,
        row_number() over (
            partition by order_id
            order by category_line_amount desc, {{ bytewise('category') }}
        ) as category_rank
    from category_amounts

),

final as (

    select
        first_orders.customer_id,
        first_orders.order_id as first_order_id,
        first_orders.order_date as first_order_date,
        coalesce(first_orders.order_channel, 'unknown') as order_channel,
        coalesce(first_orders.has_discount, false) as has_discount,
        first_orders.delivery_days,
        -- delivery days = order day to delivery day, known only once delivered on or before as_of_date
        cast(case
            when first_orders.delivery_days is null then 'not delivered'
            when first_orders.delivery_days <= 2 then '0-2'
            when first_orders.delivery_days <= 4 then '3-4'
            when first_orders.delivery_days <= 6 then '5-6'
            else '7+'
        end as {{ type_string() }}) as delivery_days_bucket,
        coalesce(ranked_categories.category, 'unknown') as top_category
    from first_orders
    left join ranked_categories
        on first_orders.order_id = ranked_categories.order_id
            and ranked_categories.category_rank = 1

)

select * from final
