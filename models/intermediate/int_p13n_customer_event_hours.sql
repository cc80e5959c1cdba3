-- the events the personalization marts read, pre-aggregated once (design.md, "Performance notes"): the number of
-- events per customer, day, hour of day (reporting time zone), event type, device and product, in one row per
-- reported identity (the customer's own id, or each anonymous id stitched to it): readers add up `events`.
-- Qualifying events only (metrics.md, "Activity": the platform's own messages are not the customer's behaviour), of
-- customers that exist as of as_of_date, after identity stitching, on or before as_of_date. Reads the per-day
-- counts of stg_shop__event_hours (incremental, before stitching) and stitches them with the identity map, as
-- stg_shop__events does for single events (decision D-032).
-- device is the properties' "device" ('app' or 'web', lower-cased; 'unknown' when missing; parsed in
-- base_shop__events); product_id is set on product_view, add_to_cart and review_submitted events.
with

event_hours as (

    select * from {{ ref('stg_shop__event_hours') }}

),

identity_map as (

    select * from {{ ref('stg_shop__identity_map') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

stitched as (

    select
        {{ stitched_customer_id('event_hours') }} as customer_id,
        event_hours.event_date,
        event_hours.event_hour,
        event_hours.event_type,
        event_hours.device,
        event_hours.product_id,
        event_hours.events
    from event_hours
    left join identity_map
        on event_hours.anonymous_id = identity_map.anonymous_id
    where event_hours.event_date <= {{ as_of_date() }}

),

-- no regrouping: a customer's own hourly counts and those of each device stitched to it stay separate rows
-- (46M groups at 1M customers, the largest aggregation of a build, for rows every reader adds up anyway)
final as (

    select
        stitched.customer_id,
        stitched.event_date,
        stitched.event_hour,
        stitched.event_type,
        stitched.device,
        stitched.product_id,
        cast(stitched.events as {{ dbt.type_bigint() }}) as events
    from stitched
    inner join customers
        on stitched.customer_id = customers.customer_id

)

select * from final
