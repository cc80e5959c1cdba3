{#- Windows of days since a cohort day, from vars (issue 24): the retention brackets and the N-day value days, as
    literal rows a model selects from (no model to read, the same on every engine). The vars are checked before
    any model runs (macros/config/validate_configuration.sql): brackets ascending and disjoint, days ascending. -#}

{#- A bracket's label: 'D1' for [1, 1], 'D2-3' for [2, 3]. -#}
{% macro retention_bracket_label(first_day, last_day) -%}
    D{{ first_day }}{% if last_day != first_day %}-{{ last_day }}{% endif %}
{%- endmacro %}

{#- One row per bracket of var('retention_brackets'), [first, last] inclusive days since the cohort day: bracket
    (label), bracket_number (1, 2, ... in the var's order), bracket_first_day, bracket_last_day. -#}
{% macro retention_bracket_rows() -%}
    {%- for bracket in var('retention_brackets') %}
    select
        cast('{{ retention_bracket_label(bracket[0], bracket[1]) }}' as {{ type_string() }}) as bracket,
        {{ loop.index }} as bracket_number,
        {{ bracket[0] }} as bracket_first_day,
        {{ bracket[1] }} as bracket_last_day
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- The last day any bracket reaches. -#}
{% macro retention_brackets_last_day() -%}
    {{ var('retention_brackets') | map('last') | max }}
{%- endmacro %}

{#- One row per N of var('nday_value_days'): n_days. -#}
{% macro nday_value_day_rows() -%}
    {%- for days in var('nday_value_days') %}
    select {{ days }} as n_days
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
