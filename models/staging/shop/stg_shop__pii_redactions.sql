-- the data-quality count of the personal-data guard: per raw table and column, how many rows held a value that
-- looks like an email or a phone number and left staging as a pseudonym (macros/privacy/pii_guard.sql)
{{ config(materialized='table') }}
{%- set guarded = {
    'customers': ['customer_id', 'country_code', 'acquisition_channel'],
    'orders': ['order_id', 'customer_id', 'order_channel', 'coupon_code'],
    'order_items': ['order_item_id', 'order_id', 'product_id'],
    'products': ['product_id', 'category', 'product_name'],
    'experiment_assignments': ['customer_id', 'experiment_id', 'variant'],
} %}
{#- events are guarded where staging reads them (stg_shop__events and the per-day count models), so their count
    applies the same rule to the trusted rows of base_shop__events -#}
{%- set event_columns = {
    'event_id': 'id', 'customer_id': 'id', 'anonymous_id': 'id', 'session_id': 'id', 'product_id': 'id',
    'device': 'label',
} %}

with

{% for table_name in guarded %}
{{ table_name }} as (

    select * from {{ ref('base_shop__' ~ table_name) }}

),

{% endfor %}
events as (

    select * from {{ ref('base_shop__events') }}

),

counts as (

    {% for table_name, columns in guarded.items() %}
    {%- for column in columns %}
    select
        cast('{{ table_name }}' as {{ type_string() }}) as source_table,
        cast('{{ column }}' as {{ type_string() }}) as column_name,
        count(*) as values_pseudonymised
    from {{ table_name }}
    where {{ dbt.concat(["','", 'pii_redacted', "','"]) }} like '%,{{ column }},%'
    union all
    {% endfor -%}
    {% endfor %}
    {%- for column, kind in event_columns.items() %}
    select
        cast('events' as {{ type_string() }}) as source_table,
        cast('{{ column }}' as {{ type_string() }}) as column_name,
        count(*) as values_pseudonymised
    from events
    where quarantine_reason is null and not is_duplicate and {{ looks_like_pii(column, kind) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from counts
