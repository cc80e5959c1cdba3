{#- The calendar of an insight (metrics.md, "Time"): its time zone and week start (an argument, else the project's
    vars), period starts and ends, and the days its data covers. Period arithmetic is macros/time/periods.sql;
    only the week start is computed here, because an insight may override var('week_start'). -#}

{% macro insight_timezone(timezone=none) -%}
    {{ return(timezone or retention_warehouse.insight_setting('reporting_timezone')) }}
{%- endmacro %}

{% macro insight_week_start(week_start=none) -%}
    {{ return((week_start or retention_warehouse.insight_setting('week_start')) | lower) }}
{%- endmacro %}

{#- period_start of macros/time/periods.sql with the week start as an argument: days since a known Monday
    (1900-01-01) or Sunday (1899-12-31), mod 7, are the days into the week. -#}
{% macro insight_period_start(grain, date_expr, week_start) -%}
    {%- if grain == 'week' -%}
    {%- set anchor = "cast('1900-01-01' as date)" if week_start == 'monday' else "cast('1899-12-31' as date)" -%}
    cast({{ dbt.dateadd('day', '-1 * (' ~ dbt.datediff(anchor, date_expr, 'day') ~ ' % 7)', date_expr) }} as date)
    {%- else -%}
    {{ retention_warehouse.period_start(grain, date_expr) }}
    {%- endif -%}
{%- endmacro %}

{#- A reporting-time-zone timestamp column as wall-clock time of the insight's zone. -#}
{% macro insight_local_time(column, timezone) -%}
    {%- set reporting = retention_warehouse.insight_setting('reporting_timezone') -%}
    {%- if timezone == reporting -%}
    {{ column }}
    {%- else -%}
    {{ retention_warehouse.insight_convert_tz(column, reporting, timezone) }}
    {%- endif -%}
{%- endmacro %}

{#- Three CTEs: as_of (as_of_date), data_end (the data ends at midnight after as_of_date in the reporting zone;
    as wall-clock time of the insight's zone) and data_days: complete_through, the last day of the insight's zone
    that the data covers whole, and data_through, the last day with any data (both as_of_date in the reporting
    zone). Built in steps so that no date expression is nested in another (dbt-spark's dateadd repeats its
    argument). -#}
{% macro insight_data_days_ctes(timezone) -%}
as_of as (

    select {{ retention_warehouse.as_of_date() }} as as_of_date

),

data_end as (

    select
        {{ retention_warehouse.insight_local_time('cast(' ~ dbt.dateadd('day', 1, 'as_of_date') ~ ' as '
            ~ dbt.type_timestamp() ~ ')', timezone) }} as local_data_end
    from as_of

),

data_days as (

    select
        cast({{ dbt.dateadd('day', -1, 'cast(local_data_end as date)') }} as date) as complete_through,
        cast({{ dbt.dateadd('second', -1, 'local_data_end') }} as date) as data_through
    from data_end

),
{%- endmacro %}

{#- A CTE `name` with the rows of `rows` and the start of their period, computed once per row. -#}
{% macro insight_with_period_start_cte(name, rows, grain, week_start) -%}
{{ name }} as (

    select
        customer_id,
        occurred_at,
        activity_date,
        breakdown_value,
        is_match,
        {{ retention_warehouse.insight_period_start(grain, 'activity_date', week_start) }} as period_start
    from {{ rows }}

),
{%- endmacro %}
