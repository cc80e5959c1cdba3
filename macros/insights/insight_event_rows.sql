{#- What an insight reads, as rows of occurrences. An event is
      none     any activity: the project's active days (fct_customer_activity_daily; metrics.md, "Activity":
               qualifying events, valid orders and registering), one row per customer and active day;
      'order'  a valid order (fct_orders), one row per order;
      a type   an event of that type (stg_shop__events: trusted, identity-stitched), one row per event.
    Anonymous events never count (customer_id is null). Data after as_of_date is ignored. In a time zone other than
    var('reporting_timezone'), times are converted and any activity is rebuilt from its parts (below), because
    active days are reporting-zone days. -#}

{#- Rows of one event spec: customer_id, occurred_at (insight zone), activity_date (its day), breakdown_value and
    is_match (the filters hold). Only matching rows unless keep_unmatched (first_ever needs every target event). -#}
{% macro insight_event_rows(event, filters, breakdown, timezone, keep_unmatched=false) -%}
    {%- set rezoned = timezone != retention_warehouse.insight_setting('reporting_timezone') -%}
    {%- if event is none -%}
    {%- set source = 'rezoned_activity' if rezoned else 'fct_customer_activity_daily' %}
    select
        {{ source }}.customer_id,
        {% if rezoned -%}
        {{ source }}.occurred_at,
        {%- else -%}
        cast({{ source }}.activity_date as {{ dbt.type_timestamp() }}) as occurred_at,
        {%- endif %}
        {{ source }}.activity_date,
        {{ retention_warehouse.insight_breakdown_value(breakdown) }} as breakdown_value,
        true as is_match
    from {{ source }}
    {{- retention_warehouse.insight_customer_join(breakdown, source) }}
    {%- elif event == 'order' %}
    select
        fct_orders.customer_id,
        {{ retention_warehouse.insight_column(retention_warehouse.insight_local_time('fct_orders.ordered_at', timezone),
            'occurred_at') }},
        {% if rezoned -%}
        cast({{ retention_warehouse.insight_local_time('fct_orders.ordered_at', timezone) }} as date) as activity_date,
        {%- else -%}
        fct_orders.order_date as activity_date,
        {%- endif %}
        {{ retention_warehouse.insight_breakdown_value(breakdown) }} as breakdown_value,
        true as is_match
    from fct_orders
    {{- retention_warehouse.insight_customer_join(breakdown, 'fct_orders') }}
    {%- else -%}
    {%- set predicate = retention_warehouse.insight_property_predicate('stg_shop__events.properties', filters) %}
    select
        stg_shop__events.customer_id,
        {{ retention_warehouse.insight_column(
            retention_warehouse.insight_local_time('stg_shop__events.occurred_at', timezone), 'occurred_at') }},
        {% if rezoned -%}
        cast({{ retention_warehouse.insight_local_time('stg_shop__events.occurred_at', timezone) }} as date)
            as activity_date,
        {%- else -%}
        stg_shop__events.event_date as activity_date,
        {%- endif %}
        {{ retention_warehouse.insight_breakdown_value(breakdown, 'stg_shop__events.properties') }} as breakdown_value,
        {{ predicate if keep_unmatched else 'true' }} as is_match
    from stg_shop__events
    {{- retention_warehouse.insight_customer_join(breakdown, 'stg_shop__events') }}
    where stg_shop__events.customer_id is not null
        and stg_shop__events.event_type = '{{ event }}'
        and stg_shop__events.event_date <= {{ retention_warehouse.as_of_date() }}
        {%- if filters and not keep_unmatched %}
        and {{ predicate }}
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- dim_customers joined to the rows of `source` when the breakdown is a customer attribute. -#}
{% macro insight_customer_join(breakdown, source) -%}
    {%- if breakdown is not none and breakdown.kind == 'customer' %}
    left join dim_customers
        on {{ source }}.customer_id = dim_customers.customer_id
    {%- endif -%}
{%- endmacro %}

{#- `expr as name`, or the bare column when it already has that name (no self-alias). -#}
{% macro insight_column(expr, name) -%}
    {%- if (expr | trim).endswith('.' ~ name) -%}
    {{ expr | trim }}
    {%- else -%}
    {{ expr | trim }} as {{ name }}
    {%- endif -%}
{%- endmacro %}
