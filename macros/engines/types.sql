{#- Money is decimal everywhere (metrics.md, "Orders and revenue"): staged amounts keep cents, fx rates
    keep 8 decimals, and converted revenue keeps every digit of their product, so sums never depend on
    evaluation order. -#}
{% macro type_amount() -%}decimal(18, 2){%- endmacro %}
{% macro type_fx_rate() -%}decimal(18, 8){%- endmacro %}
{% macro type_money() -%}decimal(38, 10){%- endmacro %}
{% macro type_rate() -%}double precision{%- endmacro %}

{% macro type_string() -%}{{ dbt.type_string() }}{%- endmacro %}
