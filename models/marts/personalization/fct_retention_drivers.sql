-- retention drivers (docs: retention_drivers): for each early behaviour in the behaviour window (the anchor day and
-- the driver_behaviour_window_days (7) days after it) of two anchors, signup and first valid order, the retention
-- of the customers who did it and of those who did not, the difference (did - did not) and its 95% Wald interval
-- (unpooled standard error, macros/metrics/statistics.sql). Retention (any-activity basis, active days of
-- int_customer_activity_days) is measured after the behaviour window, so that the behaviour itself never counts as
-- coming back: day_30 = active on any day 8..30 after the anchor day, day_90 = active on any day 31..90 after it.
-- Complete windows only: a customer counts in a window's figures once anchor day + window end <= as_of_date (which
-- also completes the behaviour window). Correlation, not causation.
{%- set behaviour_days = var('driver_behaviour_window_days', 7) | int %}
{%- set min_products_viewed = var('driver_min_products_viewed', 5) | int %}
{%- set min_items = var('driver_min_items', 2) | int %}
{%- if behaviour_days < 0 or behaviour_days >= 30 %}
{{ exceptions.raise_compiler_error("driver_behaviour_window_days must be between 0 and 29, got " ~ behaviour_days) }}
{%- endif %}

with

customers as (

    select * from {{ ref('int_customers') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

event_hours as (

    select * from {{ ref('int_p13n_customer_event_hours') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

-- the anchors whose behaviour window is complete
anchors as (

    select
        cast('signup' as {{ type_string() }}) as anchor_event,
        customer_id,
        signup_date as anchor_date
    from customers
    where {{ window_complete('signup_date', behaviour_days) }}
    union all
    select
        cast('first_order' as {{ type_string() }}) as anchor_event,
        customer_id,
        order_date as anchor_date
    from orders
    where is_first_order
        and {{ window_complete('order_date', behaviour_days) }}

),

event_behaviours as (

    select
        anchors.anchor_event,
        anchors.customer_id,
        max(case when event_hours.event_type = 'review_submitted' then 1 else 0 end) as left_review,
        max(case when event_hours.event_type = 'search' then 1 else 0 end) as searched,
        max(case when event_hours.device = 'app' or event_hours.event_type = 'app_open' then 1 else 0 end)
            as used_app_event,
        count(distinct case when event_hours.event_type = 'product_view' then event_hours.product_id end)
            as products_viewed
    from anchors
    inner join event_hours
        on anchors.customer_id = event_hours.customer_id
            and anchors.anchor_date <= event_hours.event_date
            and event_hours.event_date <= {{ dbt.dateadd('day', behaviour_days, 'anchors.anchor_date') }}
    group by 1, 2

),

order_behaviours as (

    select
        anchors.anchor_event,
        anchors.customer_id,
        sum(orders.item_quantity) as items_bought,
        max(case when orders.has_discount then 1 else 0 end) as used_coupon,
        max(case when orders.order_channel = 'app' then 1 else 0 end) as used_app_order
    from anchors
    inner join orders
        on anchors.customer_id = orders.customer_id
            and anchors.anchor_date <= orders.order_date
            and orders.order_date <= {{ dbt.dateadd('day', behaviour_days, 'anchors.anchor_date') }}
    group by 1, 2

),

-- retention after the behaviour window: day_30 = days (window + 1)..30, day_90 = days 31..90
retention as (

    select
        anchors.anchor_event,
        anchors.customer_id,
        max(case
            when activity_days.activity_date <= {{ dbt.dateadd('day', 30, 'anchors.anchor_date') }} then 1 else 0
        end) as is_retained_30d,
        max(case
            when activity_days.activity_date > {{ dbt.dateadd('day', 30, 'anchors.anchor_date') }} then 1 else 0
        end) as is_retained_90d
    from anchors
    inner join activity_days
        on anchors.customer_id = activity_days.customer_id
            and activity_days.activity_date > {{ dbt.dateadd('day', behaviour_days, 'anchors.anchor_date') }}
            and activity_days.activity_date <= {{ dbt.dateadd('day', 90, 'anchors.anchor_date') }}
    group by 1, 2

),

customer_flags as (

    select
        anchors.anchor_event,
        anchors.customer_id,
        case when {{ window_complete('anchors.anchor_date', 30) }} then 1 else 0 end as is_complete_30d,
        case when {{ window_complete('anchors.anchor_date', 90) }} then 1 else 0 end as is_complete_90d,
        coalesce(retention.is_retained_30d, 0) as is_retained_30d,
        coalesce(retention.is_retained_90d, 0) as is_retained_90d,
        coalesce(event_behaviours.left_review, 0) as left_review,
        coalesce(event_behaviours.searched, 0) as searched,
        case
            when coalesce(event_behaviours.used_app_event, 0) = 1 or coalesce(order_behaviours.used_app_order, 0) = 1
                then 1
            else 0
        end as used_app,
        case when coalesce(order_behaviours.items_bought, 0) >= {{ min_items }} then 1 else 0 end as bought_items,
        coalesce(order_behaviours.used_coupon, 0) as used_coupon,
        case when coalesce(event_behaviours.products_viewed, 0) >= {{ min_products_viewed }} then 1 else 0 end
            as viewed_products
    from anchors
    left join event_behaviours
        on anchors.anchor_event = event_behaviours.anchor_event
            and anchors.customer_id = event_behaviours.customer_id
    left join order_behaviours
        on anchors.anchor_event = order_behaviours.anchor_event
            and anchors.customer_id = order_behaviours.customer_id
    left join retention
        on anchors.anchor_event = retention.anchor_event
            and anchors.customer_id = retention.customer_id

),

behaviours as (

    select
        cast('left_review' as {{ type_string() }}) as behaviour,
        cast('submitted a product review' as {{ type_string() }}) as behaviour_description
    union all
    select
        cast('searched' as {{ type_string() }}) as behaviour,
        cast('searched the shop' as {{ type_string() }}) as behaviour_description
    union all
    select
        cast('used_app' as {{ type_string() }}) as behaviour,
        cast('used the app (an app event or an order placed in the app)' as {{ type_string() }})
            as behaviour_description
    union all
    select
        cast('bought_{{ min_items }}plus_items' as {{ type_string() }}) as behaviour,
        cast('bought {{ min_items }} or more items (units of valid orders)' as {{ type_string() }})
            as behaviour_description
    union all
    select
        cast('used_coupon' as {{ type_string() }}) as behaviour,
        cast('placed a valid order with a coupon or a discount' as {{ type_string() }}) as behaviour_description
    union all
    select
        cast('viewed_{{ min_products_viewed }}plus_products' as {{ type_string() }}) as behaviour,
        cast('viewed {{ min_products_viewed }} or more different products' as {{ type_string() }})
            as behaviour_description

),

behaviour_flags as (

    select
        customer_flags.anchor_event,
        behaviours.behaviour,
        behaviours.behaviour_description,
        customer_flags.is_complete_30d,
        customer_flags.is_complete_90d,
        customer_flags.is_retained_30d,
        customer_flags.is_retained_90d,
        case behaviours.behaviour
            when 'left_review' then customer_flags.left_review
            when 'searched' then customer_flags.searched
            when 'used_app' then customer_flags.used_app
            when 'bought_{{ min_items }}plus_items' then customer_flags.bought_items
            when 'used_coupon' then customer_flags.used_coupon
            when 'viewed_{{ min_products_viewed }}plus_products' then customer_flags.viewed_products
        end as did_behaviour
    from customer_flags
    cross join behaviours

),

behaviour_counts as (

    select
        anchor_event,
        behaviour,
        behaviour_description,
        {% for days in [30, 90] %}
        sum(is_complete_{{ days }}d * did_behaviour) as customers_with_{{ days }}d,
        sum(is_complete_{{ days }}d * did_behaviour * is_retained_{{ days }}d) as retained_with_{{ days }}d,
        sum(is_complete_{{ days }}d * (1 - did_behaviour)) as customers_without_{{ days }}d,
        sum(is_complete_{{ days }}d * (1 - did_behaviour) * is_retained_{{ days }}d) as retained_without_{{ days }}d,
        {% endfor %}
        count(*) as anchored_customers
    from behaviour_flags
    group by 1, 2, 3

),

windows as (

    select
        anchor_event,
        behaviour,
        behaviour_description,
        cast('day_30' as {{ type_string() }}) as retention_window,
        {{ behaviour_days + 1 }} as window_start_day,
        30 as window_end_day,
        customers_with_30d as customers_with,
        retained_with_30d as retained_with,
        customers_without_30d as customers_without,
        retained_without_30d as retained_without
    from behaviour_counts
    union all
    select
        anchor_event,
        behaviour,
        behaviour_description,
        cast('day_90' as {{ type_string() }}) as retention_window,
        31 as window_start_day,
        90 as window_end_day,
        customers_with_90d as customers_with,
        retained_with_90d as retained_with,
        customers_without_90d as customers_without,
        retained_without_90d as retained_without
    from behaviour_counts

),

shares as (

    select
        *,
        {{ proportion('retained_with', 'customers_with') }} as p_with,
        {{ proportion('retained_without', 'customers_without') }} as p_without
    from windows

),

differences as (

    select
        *,
        p_with - p_without as retention_difference,
        {{ wald_standard_error('p_without', 'customers_without', 'p_with', 'customers_with') }} as difference_se
    from shares

),

final as (

    select
        anchor_event,
        behaviour,
        behaviour_description,
        retention_window,
        cast(window_start_day as {{ dbt.type_int() }}) as window_start_day,
        cast(window_end_day as {{ dbt.type_int() }}) as window_end_day,
        cast(customers_with + customers_without as {{ dbt.type_int() }}) as eligible_customers,
        cast(customers_with as {{ dbt.type_int() }}) as customers_with_behaviour,
        cast(retained_with as {{ dbt.type_int() }}) as retained_with_behaviour,
        p_with as retention_with_behaviour,
        cast(customers_without as {{ dbt.type_int() }}) as customers_without_behaviour,
        cast(retained_without as {{ dbt.type_int() }}) as retained_without_behaviour,
        p_without as retention_without_behaviour,
        {{ safe_rate('customers_with', 'customers_with + customers_without') }} as behaviour_share,
        retention_difference,
        {{ wald_interval_lower('retention_difference', 'difference_se') }} as difference_ci_lower,
        {{ wald_interval_upper('retention_difference', 'difference_se') }} as difference_ci_upper
    from differences

)

select * from final
