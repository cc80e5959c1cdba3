-- one row per customer and active day up to as_of_date (metrics.md, "Activity"): a qualifying event of the
-- (stitched) customer, a valid order, or registering; every activity mart reads this, never raw events
with

customers as (

    select * from {{ ref('int_customers') }}

),

event_identity_days as (

    select * from {{ ref('stg_shop__event_identity_days') }}

),

identity_map as (

    select * from {{ ref('stg_shop__identity_map') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

-- identity stitching on the per-day rows: an anonymous id's events belong to the customer it was first seen with
event_days as (

    select
        {{ stitched_customer_id('event_identity_days') }} as customer_id,
        event_identity_days.event_date as activity_date,
        sum(event_identity_days.qualifying_events) as qualifying_events
    from event_identity_days
    left join identity_map
        on event_identity_days.anonymous_id = identity_map.anonymous_id
    where {{ stitched_customer_id('event_identity_days') }} is not null
        and event_identity_days.event_date <= {{ as_of_date() }}
    group by 1, 2

),

order_days as (

    select
        customer_id,
        order_date as activity_date,
        count(*) as valid_orders,
        sum(net_revenue) as net_revenue
    from orders
    group by 1, 2

),

signup_days as (

    select
        customer_id,
        signup_date as activity_date
    from customers

),

unioned as (

    select
        customer_id,
        activity_date,
        qualifying_events,
        0 as valid_orders,
        cast(0 as {{ type_money() }}) as net_revenue,
        0 as is_signup_day
    from event_days
    union all
    select
        customer_id,
        activity_date,
        0 as qualifying_events,
        valid_orders,
        net_revenue,
        0 as is_signup_day
    from order_days
    union all
    select
        customer_id,
        activity_date,
        0 as qualifying_events,
        0 as valid_orders,
        cast(0 as {{ type_money() }}) as net_revenue,
        1 as is_signup_day
    from signup_days

),

-- only customers that exist as of as_of_date (a customer registered later is not counted before)
final as (

    select
        unioned.customer_id,
        unioned.activity_date,
        sum(unioned.valid_orders) > 0 as is_purchase_day,
        max(unioned.is_signup_day) = 1 as is_signup_day,
        sum(unioned.qualifying_events) as qualifying_events,
        sum(unioned.valid_orders) as valid_orders,
        cast(sum(unioned.net_revenue) as {{ type_money() }}) as net_revenue
    from unioned
    inner join customers
        on unioned.customer_id = customers.customer_id
    group by 1, 2

)

select * from final
