-- every raw order line, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag;
-- ids that look like personal data leave as pseudonyms (macros/privacy/pii_guard.sql)
with

source as (

    select * from {{ source('shop', 'order_items') }}

),

orders as (

    select * from {{ ref('base_shop__orders') }}

),

pii_salt as (

    select * from {{ source('privacy', 'pii_salt') }}

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
        {{ raw_text('order_item_id') }} as order_item_id,
        {{ raw_text('order_id') }} as order_id,
        {{ raw_text('product_id') }} as product_id,
        cast(quantity as {{ type_rate() }}) as quantity_value,
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
            when typed.quantity is null or typed.quantity_value <= 0 then 'invalid_quantity'
            when typed.quantity_value <> floor(typed.quantity_value) then 'fractional_quantity'
            when typed.quantity > {{ var('max_item_quantity') }} then 'outlier_quantity'
            when typed.unit_price_amount is null then 'missing_unit_price'
            when typed.unit_price_amount < 0 then 'negative_amount'
        end as quarantine_reason
    from typed
    left join parent_orders
        -- the parent's key as base_shop__orders writes it (pseudonymised when it looks like personal data)
        on {{ guard_pii('typed.order_id', 'id') }} = parent_orders.order_id

),

-- the newest load wins; the tie-break runs over the whole line, so the winner never depends on row order
flagged as (

    select
        *,
        {{ is_duplicate('order_item_id', '_loaded_at desc, order_id, product_id, quantity, unit_price_amount') }} as is_duplicate
    from checked

),

{%- set guarded = {
    'order_item_id': ['order_item_id', 'id'],
    'order_id': ['order_id', 'id'],
    'product_id': ['product_id', 'id'],
} %}

final as (

    select
        {{- guarded_columns(guarded) }}
        quantity,
        unit_price_amount,
        _loaded_at,
        quarantine_reason,
        is_duplicate,
        {{ pii_redacted_list(guarded) }} as pii_redacted
    from flagged

)

select * from final
