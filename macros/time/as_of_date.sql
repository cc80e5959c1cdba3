{#- The evaluation day of every "as of" metric (metrics.md, "Time"). One row in int_as_of_date holds it:
    var('as_of_date') when set, else the latest customer-activity date among trusted rows. Use it as a
    scalar: `where activity_date <= {{ as_of_date() }}`. -#}
{% macro as_of_date() -%}
    (select as_of_date from {{ ref('int_as_of_date') }})
{%- endmacro %}

{#- A window of `days` days after `start_date` (days 1..N) is complete when its last day is on or before
    as_of_date (metrics.md, "Completeness"). -#}
{% macro window_complete(start_date, days) -%}
    ({{ dbt.dateadd('day', days, start_date) }} <= {{ as_of_date() }})
{%- endmacro %}

{#- The value while the window of `days` days after `start_date` is complete, else null. -#}
{% macro when_complete(start_date, days, value) -%}
    case when {{ window_complete(start_date, days) }} then {{ value }} end
{%- endmacro %}

{#- Window retention's day rule (metrics.md, "Cohort retention" and "Repeat purchase"): `day` falls on one of the
    days 1..N after the anchor day. Every window metric (headline within-N, repeat purchase, experiment and
    first-purchase retention, retention drivers) uses it, beside window_complete for the completeness rule. -#}
{% macro within_days_after(day, anchor_day, days) -%}
    ({{ day }} > {{ anchor_day }} and {{ day }} <= {{ dbt.dateadd('day', days, anchor_day) }})
{%- endmacro %}
