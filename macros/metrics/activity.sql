{#- The activity rule (metrics.md, "Activity"): every event type counts as customer activity except the
    platform's own messages, var('system_event_types'). -#}
{% macro is_qualifying_event(event_type_column) -%}
    {%- set system_types = var('system_event_types') -%}
    {%- if system_types | length == 0 -%}
    true
    {%- else -%}
    ({{ event_type_column }} not in (
        {%- for event_type in system_types %}'{{ event_type }}'{{ ", " if not loop.last }}{% endfor -%}
    ))
    {%- endif -%}
{%- endmacro %}
