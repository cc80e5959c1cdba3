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

pii_salt as (

    select * from {{ source('privacy', 'pii_salt') }}

),

-- ids and labels that look like personal data leave staging as pseudonyms (macros/privacy/pii_guard.sql), the
-- same ones the identity map and the per-day count models hold
trusted as (

    select
        {{ guard_pii('event_id', 'id') }} as event_id,
        occurred_at,
        event_date,
        event_type,
        {{ guard_pii('customer_id', 'id') }} as customer_id,
        {{ guard_pii('anonymous_id', 'id') }} as anonymous_id,
        {{ guard_pii('session_id', 'id') }} as session_id,
        {{ guard_pii('product_id', 'id') }} as product_id,
        received_at_utc,
        properties,
        {{ guard_pii('device', 'label') }} as device,
        _loaded_at
    from base
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
