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

{#- Exact continuous percentile as an aggregate: the value at rank fraction x (n - 1) of the ordered non-null
    values, interpolated linearly between the two nearest ones (SQL's percentile_cont, numpy's default 'linear'
    method). Deterministic on every engine: Spark's percentile() is the same exact definition (not
    percentile_approx). The fraction is a constant between 0 and 1; null when the group has no value. -#}
{% macro continuous_percentile(expression, fraction) %}
    {{ return(adapter.dispatch('continuous_percentile', 'retention')(expression, fraction)) }}
{% endmacro %}

{% macro default__continuous_percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__continuous_percentile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
