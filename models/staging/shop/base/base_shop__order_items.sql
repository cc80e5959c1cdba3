-- every raw order line, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag
with

source as (

    select * from {{ source('shop', 'order_items') }}

),

orders as (

    select * from {{ ref('base_shop__orders') }}

),

-- an order line needs an order: one that exists and has at least one trusted row
parent_orders as (

    select
        order_id,
        max(case when quarantine_reason is null then 1 else 0 end) as has_trusted_row
    from orders
    where order_id is not null
    group by 1

),

typed as (

    select
        cast(order_item_id as {{ type_string() }}) as order_item_id,
        cast(order_id as {{ type_string() }}) as order_id,
        cast(product_id as {{ type_string() }}) as product_id,
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        cast(unit_price as {{ type_amount() }}) as unit_price_amount,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

checked as (

    select
        typed.*,
        case
            {{ id_problem('typed.order_item_id', 'missing_order_item_id') }}
            {{ id_problem('typed.order_id', 'missing_order_id') }}
            {{ id_problem('typed.product_id', 'missing_product_id') }}
            when parent_orders.order_id is null then 'orphan_order_item'
            when parent_orders.has_trusted_row = 0 then 'parent_order_quarantined'
            when typed.quantity is null or typed.quantity <= 0 then 'invalid_quantity'
            when typed.quantity > {{ var('max_item_quantity') }} then 'outlier_quantity'
            when typed.unit_price_amount is null then 'missing_unit_price'
            when typed.unit_price_amount < 0 then 'negative_amount'
        end as quarantine_reason
    from typed
    left join parent_orders
        on typed.order_id = parent_orders.order_id

),

flagged as (

    select
        *,
        {{ is_duplicate('order_item_id', '_loaded_at desc, order_id, product_id, quantity, unit_price_amount') }} as is_duplicate
    from checked

)

select * from flagged
