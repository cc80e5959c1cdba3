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

{#- Identity stitching (decision D-004): the customer of an event or of a per-day count row is the customer id the
    feed sent, else the customer the identity map gives its anonymous id. `rows` is the relation or CTE holding
    `customer_id`; the caller left-joins `identity_map` (stg_shop__identity_map) on `anonymous_id`. -#}
{% macro stitched_customer_id(rows) -%}
    coalesce({{ rows }}.customer_id, identity_map.customer_id)
{%- endmacro %}
