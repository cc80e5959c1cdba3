{#- RFM quintile score (metrics.md, "RFM"): least(5, 1 + floor(5 * percent_rank())), ties sharing a score, the
    lowest tie group always 1. percent_rank = (rank - 1) / (n - 1), so the floor is an exact integer division
    and the score is identical on every engine. Order by the measure so that the best value sorts last. -#}
{% macro quintile_score(order_by) -%}
    case
        when count(*) over () <= 1 then 1
        else least(
            5,
            1 + {{ int_div('5 * (rank() over (order by ' ~ order_by ~ ') - 1)', 'count(*) over () - 1') }}
        )
    end
{%- endmacro %}
