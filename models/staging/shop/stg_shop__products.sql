with

base as (

    select * from {{ ref('base_shop__products') }}

),

kept as (

    select
        product_id,
        coalesce(category, 'unknown') as category,
        product_name,
        list_price_amount,
        _loaded_at
    from base
    where quarantine_reason is null and not is_duplicate

)

select * from kept
