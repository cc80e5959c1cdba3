with

base as (

    select * from {{ ref('base_shop__order_items') }}

),

kept as (

    select
        order_item_id,
        order_id,
        product_id,
        quantity,
        unit_price_amount,
        cast(quantity * unit_price_amount as {{ type_amount() }}) as line_amount,
        _loaded_at
    from base
    where quarantine_reason is null and not is_duplicate

)

select * from kept
