-- one row per customer and day (reporting time zone) with at least one funnel step, up to as_of_date
-- (metrics.md, "Activation and experiments"): viewed a product, added to cart, started checkout (events of the
-- customer after identity stitching, so anonymous sessions stitched to a customer count as theirs) and ordered
-- (a valid order, not the order_completed event); only customers that exist as of as_of_date. The step events
-- come from the per-day counts of stg_shop__event_hours (qualifying events: configuration keeps the step types
-- out of system_event_types), stitched with the identity map (decision D-032)
with

customers as (

    select * from {{ ref('int_customers') }}

),

-- qualifying events per day, hour, reported identity and type (compact and incremental; stitched below)
event_hours as (

    select * from {{ ref('stg_shop__event_hours') }}

),

identity_map as (

    select * from {{ ref('stg_shop__identity_map') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

-- the step events of each customer after identity stitching
step_events as (

    select
        {{ stitched_customer_id('event_hours') }} as customer_id,
        event_hours.event_date,
        event_hours.event_type
    from event_hours
    left join identity_map
        on event_hours.anonymous_id = identity_map.anonymous_id
    where event_hours.event_type in ('product_view', 'add_to_cart', 'checkout_started')
        and event_hours.event_date <= {{ as_of_date() }}

),

event_steps as (

    select
        customer_id,
        event_date as funnel_date,
        max(case when event_type = 'product_view' then 1 else 0 end) as viewed_product,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) as added_to_cart,
        max(case when event_type = 'checkout_started' then 1 else 0 end) as started_checkout,
        0 as ordered
    from step_events
    where customer_id is not null
    group by 1, 2

),

order_steps as (

    select
        customer_id,
        order_date as funnel_date,
        0 as viewed_product,
        0 as added_to_cart,
        0 as started_checkout,
        1 as ordered
    from orders
    group by 1, 2

),

unioned as (

    select * from event_steps
    union all
    select * from order_steps

),

final as (

    select
        unioned.customer_id,
        unioned.funnel_date,
        customers.acquisition_channel,
        max(unioned.viewed_product) = 1 as has_product_view,
        max(unioned.added_to_cart) = 1 as has_add_to_cart,
        max(unioned.started_checkout) = 1 as has_checkout_started,
        max(unioned.ordered) = 1 as has_valid_order
    from unioned
    inner join customers
        on unioned.customer_id = customers.customer_id
    group by unioned.customer_id, unioned.funnel_date, customers.acquisition_channel

)

select * from final
