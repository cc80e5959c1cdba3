{#- Event property equalities as one SQL predicate on a JSON text column: every property must equal its value (or
    one of its values, for a list). Properties are read with the project's json_get (text), so a value compares as
    its JSON text: 'app', '4', 'true'. Empty filters are `true`. -#}
{% macro insight_property_predicate(properties_column, filters) -%}
    {%- if not filters -%}
    true
    {%- else -%}
    ({% for key, value in filters | dictsort %}
        {%- set values = value if (value is sequence and value is not string) else [value] -%}
        {{ retention_warehouse.insight_json_get(properties_column, key) }}
        {%- if values | length == 1 %} = {{ retention_warehouse.insight_text_literal(values[0]) }}
        {%- else %} in ({% for one in values %}{{ retention_warehouse.insight_text_literal(one) }}{{ ", " if not loop.last }}{% endfor %})
        {%- endif %}{{ " and " if not loop.last }}
    {%- endfor %})
    {%- endif -%}
{%- endmacro %}

{#- The project's json_get (macros/engines/json_get.sql), dispatched under this package's name so that it resolves
    from a caller's project too. -#}
{% macro insight_json_get(column, key) -%}
    {{ adapter.dispatch('json_get', 'retention_warehouse')(column, key) }}
{%- endmacro %}

{#- A filter value as a SQL text literal of its JSON text (booleans are true / false). -#}
{% macro insight_text_literal(value) -%}
    {%- if value is boolean -%}
    '{{ "true" if value else "false" }}'
    {%- else -%}
    '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
