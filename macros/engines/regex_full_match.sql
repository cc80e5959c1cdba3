{#- True when the whole string matches the (anchored) pattern. Null input gives null. -#}
{% macro regex_full_match(column, pattern) %}
    {{ return(adapter.dispatch('regex_full_match', 'retention_warehouse')(column, pattern)) }}
{% endmacro %}

{% macro default__regex_full_match(column, pattern) -%}
    regexp_matches({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_full_match(column, pattern) -%}
    ({{ column }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_full_match(column, pattern) -%}
    ({{ column }} rlike '{{ pattern }}')
{%- endmacro %}

{% macro is_valid_id(column) -%}
    coalesce({{ regex_full_match(column, var('id_pattern')) }}, false)
{%- endmacro %}

{#- True when the pattern matches anywhere in the string (unanchored search). Null input gives null. -#}
{% macro regex_contains(column, pattern) %}
    {{ return(adapter.dispatch('regex_contains', 'retention_warehouse')(column, pattern)) }}
{% endmacro %}

{% macro default__regex_contains(column, pattern) -%}
    regexp_matches({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_contains(column, pattern) -%}
    ({{ column }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_contains(column, pattern) -%}
    ({{ column }} rlike '{{ pattern }}')
{%- endmacro %}
