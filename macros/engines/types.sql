{#- Money is decimal everywhere (metrics.md, "Orders and revenue"): staged amounts keep cents, fx rates
    keep 8 decimals, and converted revenue keeps every digit of their product, so sums never depend on
    evaluation order. -#}
{% macro type_amount() -%}decimal(18, 2){%- endmacro %}
{% macro type_fx_rate() -%}decimal(18, 8){%- endmacro %}
{% macro type_money() -%}decimal(38, 10){%- endmacro %}
{% macro type_rate() -%}
    {{ return(adapter.dispatch('type_rate', 'retention_warehouse')()) }}
{%- endmacro %}

{% macro default__type_rate() -%}double precision{%- endmacro %}

{#- Spark SQL has no `double precision`; its `double` is the same IEEE 754 binary64. -#}
{% macro spark__type_rate() -%}double{%- endmacro %}

{% macro type_string() -%}{{ dbt.type_string() }}{%- endmacro %}

{#- Contracts on Spark: dbt checks a contract by casting null to each column's data_type on the engine
    (get_empty_schema_sql -> dbt.cast) and comparing the engine's types. Contract types are written once, in
    the project's portable spelling (varchar, integer, double precision, decimal(38,10), ...); Spark 4 rejects
    two of them (`varchar` without a length, `double precision`), so this override of dbt's cast (dispatch
    config in dbt_project.yml) spells them `string` and `double`: contracts stay enforced on Spark, with the
    same YAML. -#}
{% macro spark_type(type) -%}
    {%- set spark_types = {'varchar': 'string', 'text': 'string', 'double precision': 'double'} -%}
    {{- spark_types.get(type | lower | trim, type) -}}
{%- endmacro %}

{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}
