{#- The models an insight reads (metrics.md, "Public interface": by ref(), so that it works from a package too),
    each as an import CTE named after it. -#}

{#- The refs needed for the events of an insight (none, 'order' or an event type), its breakdown and its time zone,
    in a stable order. -#}
{% macro insight_needed_refs(events, breakdown, timezone) -%}
    {%- set rezoned = timezone != retention_warehouse.insight_setting('reporting_timezone') -%}
    {%- set needed = [] -%}
    {%- for event in events -%}
    {%- if event is none and rezoned -%}
    {%- do needed.extend(['stg_shop__events', 'fct_orders', 'dim_customers']) -%}
    {%- elif event is none -%}
    {%- do needed.append('fct_customer_activity_daily') -%}
    {%- elif event == 'order' -%}
    {%- do needed.append('fct_orders') -%}
    {%- else -%}
    {%- do needed.append('stg_shop__events') -%}
    {%- endif -%}
    {%- endfor -%}
    {%- if breakdown is not none and breakdown.kind == 'customer' -%}
    {%- do needed.append('dim_customers') -%}
    {%- endif -%}
    {%- set ordered = [] -%}
    {%- for name in ['stg_shop__events', 'fct_orders', 'fct_customer_activity_daily', 'dim_customers'] -%}
    {%- if name in needed %}{% do ordered.append(name) %}{% endif -%}
    {%- endfor -%}
    {{ return(ordered) }}
{%- endmacro %}

{% macro insight_import_ctes(refs) -%}
{%- for name in refs -%}
{{ name }} as (

    select * from {{ ref(name) }}

),

{% endfor -%}
{%- endmacro %}
