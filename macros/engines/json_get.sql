{#- The text value of a top-level key of a JSON text column (events.properties), null when the key is missing
    (and, on DuckDB, when the text is not valid JSON). Keys are plain identifiers (device, platform, query, ...):
    nested paths are not portable. -#}
{% macro json_get(column, key) %}
    {{ return(adapter.dispatch('json_get', 'retention_warehouse')(column, key)) }}
{% endmacro %}

{#- SQL:2016 json_value, for engines that follow the standard (Trino, BigQuery, MySQL 8, ...). -#}
{% macro default__json_get(column, key) -%}
    json_value({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro duckdb__json_get(column, key) -%}
    case when json_valid({{ column }}) then json_extract_string({{ column }}, '$.{{ key }}') end
{%- endmacro %}

{% macro postgres__json_get(column, key) -%}
    (cast({{ column }} as json) ->> '{{ key }}')
{%- endmacro %}

{% macro spark__json_get(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}
