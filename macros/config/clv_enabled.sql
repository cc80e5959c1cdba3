{#- Predicted CLV is a dbt Python model: it runs where the adapter runs Python models (DuckDB here; Snowflake,
    Databricks, BigQuery in general) and is disabled on PostgreSQL and Spark-session. Override with the var
    clv_enabled. Models that use CLV fall back to their CLV-free rule when it is off. -#}
{% macro clv_enabled() -%}
    {{ return(var('clv_enabled', target.type not in ['postgres', 'spark'])) }}
{%- endmacro %}
