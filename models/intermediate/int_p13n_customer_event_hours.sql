-- the events the personalization marts read, pre-aggregated once (design.md, "Performance notes"): one row per
-- customer, day, hour of day (reporting time zone), event type, device and product, with the number of events.
-- Qualifying events only (metrics.md, "Activity": the platform's own messages are not the customer's behaviour), of
-- customers that exist as of as_of_date, after identity stitching (stg_shop__events), on or before as_of_date.
-- device is the properties' "device" ('app' or 'web', lower-cased; 'unknown' when missing; parsed in
-- base_shop__events); product_id is set on product_view, add_to_cart and review_submitted events.
with

events as (

    select * from {{ ref('stg_shop__events') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

customer_events as (

    select
        events.customer_id,
        events.event_date,
        cast(extract(hour from events.occurred_at) as {{ dbt.type_int() }}) as event_hour,
        events.event_type,
        events.device,
        events.product_id
    from events
    inner join customers
        on events.customer_id = customers.customer_id
    where {{ is_qualifying_event('events.event_type') }}
        and events.event_date <= {{ as_of_date() }}

),

final as (

    select
        customer_id,
        event_date,
        event_hour,
        event_type,
        device,
        product_id,
        count(*) as events
    from customer_events
    group by 1, 2, 3, 4, 5, 6

)

select * from final
