{#- A breakdown splits an insight by one value: an event property (read from the events' JSON) or a customer
    attribute (a column of dim_customers). breakdown_type 'event' or 'customer' says which; without it, the
    names below are customer attributes and any other name is an event property. Missing values are '' (as in
    PostHog), so that a start and a return without the value still match. -#}
{% macro insight_customer_attributes() -%}
    {{ return(['acquisition_channel', 'country_code', 'membership_tier', 'lifecycle_stage', 'rfm_segment',
        'is_inferred']) }}
{%- endmacro %}

{#- Returns none or {'kind': 'event' | 'customer', 'name': ...}. -#}
{% macro insight_resolve_breakdown(macro_name, breakdown, breakdown_type, events) -%}
    {%- if breakdown is none -%}
    {%- if breakdown_type is not none -%}
    {{ retention_warehouse.insight_fail(macro_name, "breakdown_type needs a breakdown") }}
    {%- endif -%}
    {{ return(none) }}
    {%- endif -%}
    {%- if breakdown is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', breakdown) -%}
    {{ retention_warehouse.insight_fail(macro_name, "breakdown must be a plain property or attribute name (letters, "
        ~ "digits, _), got '" ~ breakdown ~ "'") }}
    {%- endif -%}
    {%- if breakdown_type is none -%}
    {%- set kind = 'customer' if breakdown | lower in retention_warehouse.insight_customer_attributes() else 'event' -%}
    {%- else -%}
    {%- set kind = retention_warehouse.insight_check_choice(macro_name, 'breakdown_type', breakdown_type,
        ['event', 'customer']) -%}
    {%- endif -%}
    {%- if kind == 'event' -%}
    {%- for event in events -%}
    {%- if event is none or event == 'order' -%}
    {{ retention_warehouse.insight_fail(macro_name, "breakdown by the event property '" ~ breakdown ~ "' needs event "
        ~ "types for target_event and returning_event (any activity and orders carry no properties), got "
        ~ ("none (any activity)" if event is none else "'order'")) }}
    {%- endif -%}
    {%- endfor -%}
    {%- endif -%}
    {{ return({'kind': kind, 'name': breakdown if kind == 'event' else breakdown | lower}) }}
{%- endmacro %}

{#- The breakdown value of a row: `properties_column` holds the events' JSON; dim_customers is joined as
    `dim_customers` for a customer attribute. -#}
{% macro insight_breakdown_value(breakdown, properties_column=none) -%}
    {%- if breakdown is none -%}
    cast('' as {{ dbt.type_string() }})
    {%- elif breakdown.kind == 'customer' -%}
    coalesce(cast(dim_customers.{{ breakdown.name }} as {{ dbt.type_string() }}), '')
    {%- else -%}
    coalesce({{ retention_warehouse.insight_json_get(properties_column, breakdown.name) }}, '')
    {%- endif -%}
{%- endmacro %}
