{#- Wall-clock time in one IANA zone -> wall-clock time in another (timestamps without time zone), for an insight
    whose `timezone` differs from var('reporting_timezone'). Built like macros/time/to_reporting_tz.sql, with both
    zones as arguments. Dispatched under this package's own name so that it resolves from a caller's project too.
    Within the hour a daylight-saving change repeats, a reporting-zone wall-clock time names two instants; the
    engines take one of them. -#}
{% macro insight_convert_tz(column, from_timezone, to_timezone) %}
    {{ return(adapter.dispatch('insight_convert_tz', 'retention_warehouse')(column, from_timezone, to_timezone)) }}
{% endmacro %}

{% macro default__insight_convert_tz(column, from_timezone, to_timezone) -%}
    cast((cast({{ column }} as {{ dbt.type_timestamp() }}) at time zone '{{ from_timezone }}') at time zone '{{ to_timezone }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro spark__insight_convert_tz(column, from_timezone, to_timezone) -%}
    from_utc_timestamp(to_utc_timestamp(cast({{ column }} as timestamp), '{{ from_timezone }}'), '{{ to_timezone }}')
{%- endmacro %}
