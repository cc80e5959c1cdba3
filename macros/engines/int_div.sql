{#- Integer division of non-negative integers (floor), the same on every engine. -#}
{% macro int_div(numerator, denominator) %}
    {{ return(adapter.dispatch('int_div', 'retention_warehouse')(numerator, denominator)) }}
{% endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) / cast({{ denominator }} as bigint))
{%- endmacro %}

{% macro duckdb__int_div(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) // cast({{ denominator }} as bigint))
{%- endmacro %}

{% macro spark__int_div(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) div cast({{ denominator }} as bigint))
{%- endmacro %}
