-- every raw row that cannot be trusted, with its table, key and reason: nothing is dropped silently
{{ config(materialized='table') }}
{%- set tables = {
    'customers': 'customer_id',
    'orders': 'order_id',
    'order_items': 'order_item_id',
    'products': 'product_id',
    'events': 'event_id',
    'experiment_assignments': "customer_id || '|' || experiment_id",
    'fx_rates': "currency_code || '|' || cast(rate_date as " ~ type_string() ~ ")",
    'loyalty_ledger': 'entry_id',
} %}
{%- set customer_columns = {
    'customers': 'customer_id', 'orders': 'customer_id', 'events': 'customer_id',
    'experiment_assignments': 'customer_id', 'loyalty_ledger': 'customer_id',
} %}

with

{% for table_name in tables %}
{{ table_name }} as (

    select * from {{ ref('base_shop__' ~ table_name) }}

),

{% endfor %}
quarantined as (

    {% for table_name, record_id in tables.items() %}
    select
        cast('{{ table_name }}' as {{ type_string() }}) as source_table,
        cast({{ record_id }} as {{ type_string() }}) as record_id,
        cast({{ customer_columns.get(table_name, 'null') }} as {{ type_string() }}) as customer_id,
        quarantine_reason,
        _loaded_at
    from {{ table_name }}
    where quarantine_reason is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from quarantined
