{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_shop__events') }}

),

trusted as (

    select * from base
    where quarantine_reason is null and not is_duplicate

),

-- identity stitching (metrics.md, "Activity"): an anonymous id seen on any event together with a customer id
-- belongs to that customer; seen with several, the first customer it was seen with (ties by customer id)
identified as (

    select
        anonymous_id,
        customer_id,
        row_number() over (
            partition by anonymous_id
            order by occurred_at_utc, customer_id
        ) as identification_order
    from trusted
    where anonymous_id is not null and customer_id is not null

),

identity_map as (

    select
        anonymous_id,
        customer_id
    from identified
    where identification_order = 1

),

stitched as (

    select
        trusted.event_id,
        {{ to_reporting_tz('trusted.occurred_at_utc') }} as occurred_at,
        cast({{ to_reporting_tz('trusted.occurred_at_utc') }} as date) as event_date,
        trusted.event_type,
        coalesce(trusted.customer_id, identity_map.customer_id) as customer_id,
        trusted.customer_id as reported_customer_id,
        (trusted.customer_id is null and identity_map.customer_id is not null) as is_stitched,
        trusted.anonymous_id,
        trusted.session_id,
        trusted.product_id,
        trusted.received_at_utc,
        trusted.properties,
        trusted._loaded_at
    from trusted
    left join identity_map
        on trusted.anonymous_id = identity_map.anonymous_id

)

select * from stitched
