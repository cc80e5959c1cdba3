-- per raw table: rows in = rows kept + duplicates merged into a kept row + rows quarantined
{{ config(materialized='table') }}
{%- set tables = [
    'customers', 'orders', 'order_items', 'products', 'events', 'experiment_assignments', 'fx_rates', 'loyalty_ledger',
] %}

with

{% for table_name in tables %}
raw_{{ table_name }} as (

    select * from {{ source('shop', table_name) }}

),

base_{{ table_name }} as (

    select * from {{ ref('base_shop__' ~ table_name) }}

),

stg_{{ table_name }} as (

    select * from {{ ref('stg_shop__' ~ table_name) }}

),

{% endfor %}
counts as (

    {% for table_name in tables %}
    select
        cast('{{ table_name }}' as {{ type_string() }}) as source_table,
        (select count(*) from raw_{{ table_name }}) as rows_in,
        (
            select count(*) from stg_{{ table_name }}
            {%- if table_name == 'customers' %} where not is_inferred{% endif %}
        ) as rows_kept,
        (
            select count(*) from base_{{ table_name }}
            where is_duplicate
        ) as rows_merged,
        (
            select count(*) from base_{{ table_name }}
            where quarantine_reason is not null
        ) as rows_quarantined,
        {% if table_name == 'customers' -%}
        (
            select count(*) from stg_customers
            where is_inferred
        )
        {%- else -%}
        0
        {%- endif %} as customers_inferred
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from counts
