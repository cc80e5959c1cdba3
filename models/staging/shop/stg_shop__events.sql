-- one row per trusted event with identity stitching applied: a view over the incremental base_shop__events and
-- the identity map, so stitching always reflects every identification loaded so far (decision D-004)
{{ config(materialized='view') }}

with

base as (

    select * from {{ ref('base_shop__events') }}

),

identity_map as (

    select * from {{ ref('stg_shop__identity_map') }}

),

trusted as (

    select * from base
    where quarantine_reason is null and not is_duplicate

),

stitched as (

    select
        trusted.event_id,
        trusted.occurred_at,
        trusted.event_date,
        trusted.event_type,
        {{ stitched_customer_id('trusted') }} as customer_id,
        trusted.customer_id as reported_customer_id,
        (trusted.customer_id is null and identity_map.customer_id is not null) as is_stitched,
        trusted.anonymous_id,
        trusted.session_id,
        trusted.product_id,
        trusted.received_at_utc,
        trusted.properties,
        trusted.device,
        trusted._loaded_at
    from trusted
    left join identity_map
        on trusted.anonymous_id = identity_map.anonymous_id

)

select * from stitched
