{#- Helpers of the personalization marts (models/marts/personalization). -#}

{#- A continuous percentile (linear interpolation, as percentile_cont) of a numeric expression, as an aggregate.
    fraction is a literal in [0, 1]. -#}
{% macro p13n_percentile(expression, fraction) %}
    {{ return(adapter.dispatch('p13n_percentile', 'retention_warehouse')(expression, fraction)) }}
{% endmacro %}

{% macro default__p13n_percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__p13n_percentile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{#- A double score rounded to 12 decimals (through an exact decimal), so that a sum whose terms an engine adds in
    another order ranks the same everywhere: scores equal to 1e-12 tie, and ties break on the product id. -#}
{% macro p13n_stable_score(expression) -%}
    cast(cast({{ expression }} as decimal(38, 12)) as {{ type_rate() }})
{%- endmacro %}

{#- Day of the week, 0 = Monday .. 6 = Sunday, by day arithmetic from a known Monday (1900-01-01): engines
    disagree on their own weekday functions. -#}
{% macro p13n_weekday_number(date_expr) -%}
    ({{ dbt.datediff("cast('1900-01-01' as date)", date_expr, 'day') }} % 7)
{%- endmacro %}

{% macro p13n_weekday_name(weekday_number) -%}
    case {{ weekday_number }}
        when 0 then 'monday'
        when 1 then 'tuesday'
        when 2 then 'wednesday'
        when 3 then 'thursday'
        when 4 then 'friday'
        when 5 then 'saturday'
        when 6 then 'sunday'
    end
{%- endmacro %}
