{#- Any activity in another time zone: the parts of an active day (qualifying events of existing customers, valid
    orders, registering), each at its own time, then one row per customer and local day. The same rule as
    int_customer_activity_days, on times instead of reporting-zone days. The qualifying-event test is
    is_qualifying_event's (macros/metrics/activity.sql) with var('system_event_types') read through insight_setting,
    which names its default: from a caller's project the package's vars are not visible. -#}
{% macro insight_rezoned_activity_ctes(timezone) -%}
{%- set system_types = retention_warehouse.insight_setting('system_event_types') -%}
rezoned_activity_moments as (

    select
        stg_shop__events.customer_id,
        {{ retention_warehouse.insight_local_time('stg_shop__events.occurred_at', timezone) }} as occurred_at
    from stg_shop__events
    inner join dim_customers
        on stg_shop__events.customer_id = dim_customers.customer_id
    where stg_shop__events.event_date <= {{ retention_warehouse.as_of_date() }}
        {%- if system_types | length > 0 %}
        and stg_shop__events.event_type not in (
            {%- for event_type in system_types %}'{{ event_type }}'{{ ", " if not loop.last }}{% endfor -%}
        )
        {%- endif %}
    union all
    select
        fct_orders.customer_id,
        {{ retention_warehouse.insight_local_time('fct_orders.ordered_at', timezone) }} as occurred_at
    from fct_orders
    union all
    select
        dim_customers.customer_id,
        {{ retention_warehouse.insight_local_time('dim_customers.signup_at', timezone) }} as occurred_at
    from dim_customers

),

rezoned_activity as (

    select
        customer_id,
        cast(occurred_at as date) as activity_date,
        min(occurred_at) as occurred_at
    from rezoned_activity_moments
    group by customer_id, cast(occurred_at as date)

),
{%- endmacro %}
