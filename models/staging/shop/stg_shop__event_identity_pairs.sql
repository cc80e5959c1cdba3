-- the (anonymous id, customer id) pairs that trusted, first-copy events carried together, per event day: when each
-- pair was first seen that day (UTC) and first received (reporting time zone; the occurrence time when the feed
-- has no receipt time). Every event type counts, as it does for identification (metrics.md, "Activity").
-- Incremental by event day like base_shop__events (macros/incremental/event_days.sql): the identity map and the
-- audiences' "known identities" group these rows instead of every event, so stitching stays retroactive
-- (decision D-004) while the per-event work is done once per loaded day (decision D-035)
{{ config(**event_days_incremental_config()) }}

with

events as (

    select * from {{ ref('base_shop__events') }}

),

pii_salt as (

    select * from {{ source('privacy', 'pii_salt') }}

),

-- trusted first copies that carry both ids, of the days this run rebuilds
{{ rebuilt_trusted_event_ctes('events', 'identifying_events',
    'events.anonymous_id is not null and events.customer_id is not null') }},

identifying as (

    select
        event_partition_date,
        event_date,
        anonymous_id,
        customer_id,
        occurred_at_utc,
        coalesce({{ to_reporting_tz('received_at_utc') }}, occurred_at) as received_at,
        _loaded_at
    from identifying_events

),

grouped as (

    select
        event_date,
        anonymous_id,
        customer_id,
        min(occurred_at_utc) as first_seen_at_utc,
        min(received_at) as first_received_at,
        max(_loaded_at) as _loaded_at,
        event_partition_date
    from identifying
    group by event_partition_date, event_date, anonymous_id, customer_id

),

-- ids that look like personal data leave staging as pseudonyms (macros/privacy/pii_guard.sql), the same ones
-- the per-day count models and stg_shop__events hold
final as (

    select
        event_date,
        {{ guard_pii('anonymous_id', 'id') }} as anonymous_id,
        {{ guard_pii('customer_id', 'id') }} as customer_id,
        first_seen_at_utc,
        first_received_at,
        _loaded_at,
        event_partition_date
    from grouped

)

select * from final
