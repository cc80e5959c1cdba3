-- the points ledger every loyalty mart reads, up to as_of_date (docs: loyalty_ledger_rules): the trusted entries
-- of the supplied raw loyalty_ledger, or the ledger derived by the rules (int_loyalty_ledger_derived), by
-- var('loyalty_ledger_source'): auto = supplied when it holds a trusted entry on or before as_of_date, else derived
{%- set source_choice = var('loyalty_ledger_source') %}

with

supplied_ledger as (

    select * from {{ ref('stg_shop__loyalty_ledger') }}

),

derived_ledger as (

    select * from {{ ref('int_loyalty_ledger_derived') }}

),

supplied as (

    select
        entry_id,
        customer_id,
        order_id,
        entry_reason,
        points,
        occurred_at,
        entry_date,
        cast('supplied' as {{ type_string() }}) as ledger_source
    from supplied_ledger
    where entry_date <= {{ as_of_date() }}

),

derived as (

    select
        entry_id,
        customer_id,
        order_id,
        entry_reason,
        points,
        occurred_at,
        entry_date,
        cast('derived' as {{ type_string() }}) as ledger_source
    from derived_ledger

),

chosen as (

    {% if source_choice != 'derived' -%}
    select * from supplied
    {%- endif %}
    {% if source_choice == 'auto' -%}
    union all
    {%- endif %}
    {% if source_choice != 'supplied' -%}
    select * from derived
    {%- if source_choice == 'auto' %}
    where (select count(*) from supplied) = 0
    {%- endif %}
    {%- endif %}

),

final as (

    select
        entry_id,
        customer_id,
        order_id,
        entry_reason,
        case when entry_reason like 'earn%' then 'earn' else entry_reason end as entry_kind,
        points,
        occurred_at,
        entry_date,
        ledger_source
    from chosen

)

select * from final
