{#- Period arithmetic (metrics.md, "Time"): a period start is the day itself, the start of its week under
    var('week_start'), or the first of its month; a period number is the difference of two period starts
    counted in periods. Never datediff('week', ...): engines disagree on it. -#}

{% macro week_anchor() -%}
    {#- A known Monday (1900-01-01) or Sunday (1899-12-31): days since the anchor mod 7 = days into the week. -#}
    {%- set week_start = var('week_start') | lower -%}
    {%- if week_start == 'monday' -%}
    cast('1900-01-01' as date)
    {%- elif week_start == 'sunday' -%}
    cast('1899-12-31' as date)
    {%- else -%}
    {{ exceptions.raise_compiler_error("var week_start must be 'monday' or 'sunday', got '" ~ week_start ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{% macro period_start(grain, date_expr) -%}
    {%- if grain == 'day' -%}
    cast({{ date_expr }} as date)
    {%- elif grain == 'week' -%}
    cast({{ dbt.dateadd('day', '-1 * (' ~ dbt.datediff(week_anchor(), date_expr, 'day') ~ ' % 7)', date_expr) }} as date)
    {%- elif grain == 'month' -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
    {%- else -%}
    {{ exceptions.raise_compiler_error("unknown period grain '" ~ grain ~ "' (day, week or month)") }}
    {%- endif -%}
{%- endmacro %}

{#- Whole periods from one period start to another (both already period starts of this grain). -#}
{% macro period_number(grain, from_start, to_start) -%}
    {%- if grain == 'day' -%}
    {{ dbt.datediff(from_start, to_start, 'day') }}
    {%- elif grain == 'week' -%}
    cast({{ dbt.datediff(from_start, to_start, 'day') }} / 7 as {{ dbt.type_int() }})
    {%- elif grain == 'month' -%}
    ((extract(year from {{ to_start }}) - extract(year from {{ from_start }})) * 12
        + extract(month from {{ to_start }}) - extract(month from {{ from_start }}))
    {%- else -%}
    {{ exceptions.raise_compiler_error("unknown period grain '" ~ grain ~ "' (day, week or month)") }}
    {%- endif -%}
{%- endmacro %}

{#- The period start n periods after a period start. -#}
{% macro add_periods(grain, n, start) -%}
    {%- if grain == 'day' -%}
    cast({{ dbt.dateadd('day', n, start) }} as date)
    {%- elif grain == 'week' -%}
    cast({{ dbt.dateadd('day', '7 * (' ~ n ~ ')', start) }} as date)
    {%- else -%}
    cast({{ dbt.dateadd('month', n, start) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- Last day of the period that starts at `start`. -#}
{% macro period_end(grain, start) -%}
    cast({{ dbt.dateadd('day', -1, add_periods(grain, 1, start)) }} as date)
{%- endmacro %}
