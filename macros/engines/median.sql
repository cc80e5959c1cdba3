{#- Exact median (continuous percentile 0.5) as an aggregate. -#}
{% macro median(expression) %}
    {{ return(adapter.dispatch('median', 'retention_warehouse')(expression)) }}
{% endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
