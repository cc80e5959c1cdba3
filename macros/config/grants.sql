{#- BI roles read the marts schema only: dbt's grants config gives them SELECT on every mart, and this on-run-end
    hook gives them USAGE on the marts schema. They get nothing on raw, staging, intermediate or snapshots. -#}
{% macro grant_marts_schema_usage() %}
    {%- set roles = var('bi_roles', []) -%}
    {%- if execute and roles and target.type == 'postgres' -%}
        {%- for role in roles %}
    grant usage on schema {{ generate_schema_name('marts', none) }} to {{ adapter.quote(role) }};
        {%- endfor %}
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}
