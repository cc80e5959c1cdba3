{#- The one place where UTC timestamps become reporting-time-zone timestamps (metrics.md, "Time").
    Input: a timestamp without time zone holding UTC. Output: a timestamp without time zone holding
    wall-clock time in var('reporting_timezone'). -#}
{% macro to_reporting_tz(column) %}
    {{ return(adapter.dispatch('to_reporting_tz', 'retention_warehouse')(column)) }}
{% endmacro %}

{% macro default__to_reporting_tz(column) -%}
    {%- if var('reporting_timezone') | upper == 'UTC' -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
    {%- else -%}
    cast((cast({{ column }} as {{ dbt.type_timestamp() }}) at time zone 'UTC') at time zone '{{ var("reporting_timezone") }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{% macro spark__to_reporting_tz(column) -%}
    from_utc_timestamp(cast({{ column }} as timestamp), '{{ var("reporting_timezone") }}')
{%- endmacro %}
