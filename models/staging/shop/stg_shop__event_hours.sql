-- trusted qualifying events counted per day, hour of day (reporting time zone), reported identity, event type,
-- device and product, before identity stitching: the customer id the feed sent, or the anonymous id of an event
-- sent without one. Incremental by event day like base_shop__events (macros/incremental/event_days.sql); the
-- readers that need hours, types or products but not single events (personalization, funnels) stitch these
-- compact rows instead of every event, so stitching stays retroactive (decision D-004) while the per-event work
-- is done once per loaded day (decision D-032)
{{ config(**event_days_incremental_config()) }}

with

events as (

    select * from {{ ref('base_shop__events') }}

),

pii_salt as (

    select * from {{ source('privacy', 'pii_salt') }}

),

{{ counted_event_ctes('events') }},

reported as (

    select
        event_partition_date,
        event_date,
        customer_id,
        case when customer_id is null then anonymous_id end as anonymous_id,
        cast(extract(hour from occurred_at) as {{ dbt.type_int() }}) as event_hour,
        event_type,
        device,
        product_id,
        _loaded_at
    from counted_events

),

grouped as (

    select
        event_date,
        customer_id,
        anonymous_id,
        event_hour,
        event_type,
        device,
        product_id,
        count(*) as events,
        max(_loaded_at) as _loaded_at,
        event_partition_date
    from reported
    group by event_partition_date, event_date, customer_id, anonymous_id, event_hour, event_type, device, product_id

),

-- ids and labels that look like personal data leave staging as pseudonyms (macros/privacy/pii_guard.sql)
final as (

    select
        event_date,
        {{ guard_pii('customer_id', 'id') }} as customer_id,
        {{ guard_pii('anonymous_id', 'id') }} as anonymous_id,
        event_hour,
        event_type,
        {{ guard_pii('device', 'label') }} as device,
        {{ guard_pii('product_id', 'id') }} as product_id,
        events,
        _loaded_at,
        event_partition_date
    from grouped

)

select * from final
