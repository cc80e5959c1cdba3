-- the daily funnel (metrics.md, "Activation and experiments") per acquisition channel and for 'all' channels,
-- dense: every day from the first active day to as_of_date, for every channel, 0 when nobody came.
-- customers with step k = distinct customers with the step that day; step conversion k-1 -> k = customers with
-- both steps that day / customers with step k-1 that day. Anonymous funnel traffic (events that no identity
-- stitching attributes to a customer) is counted on the 'all' rows only, as distinct anonymous ids.
with

funnel_customer_days as (

    select * from {{ ref('int_funnel_customer_days') }}

),

-- qualifying events per day, hour, reported identity and type (compact and incremental; stitched below)
event_hours as (

    select * from {{ ref('stg_shop__event_hours') }}

),

identity_map as (

    select * from {{ ref('stg_shop__identity_map') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

calendar as (

    select * from {{ ref('int_period_calendar') }}

),

channels as (

    select distinct acquisition_channel from customers
    union all
    select cast('all' as {{ type_string() }}) as acquisition_channel

),

spine as (

    select
        calendar.period_start as funnel_date,
        channels.acquisition_channel
    from calendar
    cross join channels
    where calendar.period_grain = 'day'

),

-- every customer-day once under its channel and once under 'all'
channel_days as (

    select
        funnel_date,
        acquisition_channel,
        has_product_view,
        has_add_to_cart,
        has_checkout_started,
        has_valid_order
    from funnel_customer_days
    union all
    select
        funnel_date,
        cast('all' as {{ type_string() }}) as acquisition_channel,
        has_product_view,
        has_add_to_cart,
        has_checkout_started,
        has_valid_order
    from funnel_customer_days

),

step_counts as (

    select
        funnel_date,
        acquisition_channel,
        sum(case when has_product_view then 1 else 0 end) as customers_viewed_product,
        sum(case when has_add_to_cart then 1 else 0 end) as customers_added_to_cart,
        sum(case when has_checkout_started then 1 else 0 end) as customers_started_checkout,
        sum(case when has_valid_order then 1 else 0 end) as customers_ordered,
        sum(case when has_product_view and has_add_to_cart then 1 else 0 end) as customers_viewed_and_added,
        sum(case when has_add_to_cart and has_checkout_started then 1 else 0 end) as customers_added_and_checked_out,
        sum(case when has_checkout_started and has_valid_order then 1 else 0 end) as customers_checked_out_and_ordered,
        sum(case
            when has_product_view and has_add_to_cart and has_checkout_started and has_valid_order then 1
            else 0
        end) as customers_completed_funnel
    from channel_days
    group by 1, 2

),

-- events that stay anonymous after stitching: no customer id sent and the device never identified
anonymous_traffic as (

    select
        event_hours.event_date as funnel_date,
        cast('all' as {{ type_string() }}) as acquisition_channel,
        count(distinct case when event_hours.event_type = 'product_view' then event_hours.anonymous_id end)
            as anonymous_product_viewers,
        count(distinct case when event_hours.event_type = 'add_to_cart' then event_hours.anonymous_id end)
            as anonymous_cart_adders
    from event_hours
    left join identity_map
        on event_hours.anonymous_id = identity_map.anonymous_id
    where event_hours.customer_id is null
        and identity_map.customer_id is null
        and event_hours.event_type in ('product_view', 'add_to_cart')
        and event_hours.event_date <= {{ as_of_date() }}
    group by 1, 2

),

dense as (

    select
        spine.funnel_date,
        spine.acquisition_channel,
        coalesce(step_counts.customers_viewed_product, 0) as customers_viewed_product,
        coalesce(step_counts.customers_added_to_cart, 0) as customers_added_to_cart,
        coalesce(step_counts.customers_started_checkout, 0) as customers_started_checkout,
        coalesce(step_counts.customers_ordered, 0) as customers_ordered,
        coalesce(step_counts.customers_viewed_and_added, 0) as customers_viewed_and_added,
        coalesce(step_counts.customers_added_and_checked_out, 0) as customers_added_and_checked_out,
        coalesce(step_counts.customers_checked_out_and_ordered, 0) as customers_checked_out_and_ordered,
        coalesce(step_counts.customers_completed_funnel, 0) as customers_completed_funnel,
        case
            when spine.acquisition_channel = 'all' then coalesce(anonymous_traffic.anonymous_product_viewers, 0)
        end as anonymous_product_viewers,
        case
            when spine.acquisition_channel = 'all' then coalesce(anonymous_traffic.anonymous_cart_adders, 0)
        end as anonymous_cart_adders
    from spine
    left join step_counts
        on spine.funnel_date = step_counts.funnel_date
            and spine.acquisition_channel = step_counts.acquisition_channel
    left join anonymous_traffic
        on spine.funnel_date = anonymous_traffic.funnel_date
            and spine.acquisition_channel = anonymous_traffic.acquisition_channel

),

final as (

    select
        funnel_date,
        acquisition_channel,
        customers_viewed_product,
        customers_added_to_cart,
        customers_started_checkout,
        customers_ordered,
        customers_viewed_and_added,
        customers_added_and_checked_out,
        customers_checked_out_and_ordered,
        customers_completed_funnel,
        {{ safe_rate('customers_viewed_and_added', 'customers_viewed_product') }}
            as view_to_cart_rate,
        {{ safe_rate('customers_added_and_checked_out', 'customers_added_to_cart') }}
            as cart_to_checkout_rate,
        {{ safe_rate('customers_checked_out_and_ordered', 'customers_started_checkout') }}
            as checkout_to_order_rate,
        {{ safe_rate('customers_completed_funnel', 'customers_viewed_product') }}
            as funnel_conversion_rate,
        anonymous_product_viewers,
        anonymous_cart_adders
    from dense

)

select * from final
