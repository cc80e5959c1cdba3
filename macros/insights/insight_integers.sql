{#- Two CTEs: `<name>_digits` (0..9) and `<name>` with one row per whole number n from lowest to highest, as
    cross joins of digits (no engine-specific generator, no model to read). -#}
{% macro insight_integers_ctes(name, lowest, highest) -%}
{%- set places = [1, (highest | string) | length] | max -%}
{%- set terms = [] -%}
{%- for place in range(places) -%}
{%- do terms.append(('' if place == 0 else (10 ** place) ~ ' * ') ~ 'digit_' ~ place ~ '.digit') -%}
{%- endfor -%}
{{ name }}_digits as (

    {% for digit in range(10) -%}
    select {{ digit }} as digit
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

{{ name }} as (

    select {{ terms | join(' + ') }} as n
    from {{ name }}_digits as digit_0
    {%- for place in range(1, places) %}
    cross join {{ name }}_digits as digit_{{ place }}
    {%- endfor %}
    where {{ terms | join(' + ') }} between {{ lowest }} and {{ highest }}

),
{%- endmacro %}
