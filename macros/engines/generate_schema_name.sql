{#- Custom schemas are used as-is (staging, intermediate, marts, reference), so BI tools and grants can
    name a stable schema. Set a custom_schema_prefix var (e.g. a developer's name) to keep dev builds apart. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = var('custom_schema_prefix', none) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif prefix -%}
        {{ prefix }}_{{ custom_schema_name | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
