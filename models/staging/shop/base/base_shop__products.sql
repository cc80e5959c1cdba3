-- every raw product row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag;
-- ids and labels that look like personal data leave as pseudonyms (macros/privacy/pii_guard.sql)
with

source as (

    select * from {{ source('shop', 'products') }}

),

pii_salt as (

    select * from {{ source('privacy', 'pii_salt') }}

),

typed as (

    select
        {{ raw_text('product_id') }} as product_id,
        lower(trim({{ raw_text('category') }})) as category,
        {{ raw_text('name') }} as product_name,
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

-- the newest load wins; the tie-break runs over the whole row, so the winner never depends on row order
flagged as (

    select
        *,
        {{ is_duplicate('product_id', '_loaded_at desc, category, product_name, list_price_amount') }} as is_duplicate
    from checked

),

{%- set guarded = {
    'product_id': ['product_id', 'id'],
    'category': ['category', 'label'],
    'product_name': ['product_name', 'label'],
} %}

final as (

    select
        {{- guarded_columns(guarded) }}
        list_price_amount,
        _loaded_at,
        quarantine_reason,
        is_duplicate,
        {{ pii_redacted_list(guarded) }} as pii_redacted
    from flagged

)

select * from final
