-- every raw product row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag
with

source as (

    select * from {{ source('shop', 'products') }}

),

typed as (

    select
        cast(product_id as {{ type_string() }}) as product_id,
        lower(trim(cast(category as {{ type_string() }}))) as category,
        cast(name as {{ type_string() }}) as product_name,
        cast(list_price as {{ type_amount() }}) as list_price_amount,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

checked as (

    select
        *,
        case
            {{ id_problem('product_id', 'missing_product_id') }}
            when list_price_amount < 0 then 'negative_amount'
        end as quarantine_reason
    from typed

),

flagged as (

    select
        *,
        {{ is_duplicate('product_id', '_loaded_at desc, category, product_name') }} as is_duplicate
    from checked

)

select * from flagged
