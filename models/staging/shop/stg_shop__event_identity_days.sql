-- qualifying events per day and reported identity, before identity stitching: the customer id the feed sent, or
-- the anonymous id of an event sent without one. Incremental by event day like base_shop__events; the readers
-- that need only days and identities (activity, inferred customers, the as-of date) stitch these compact rows
-- (int_customer_activity_days, stg_shop__customers) instead of every event, so stitching stays retroactive
-- (decision D-004) while the per-event work is done once per loaded day
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
        occurred_at,
        _loaded_at
    from counted_events

),

grouped as (

    select
        event_date,
        customer_id,
        anonymous_id,
        count(*) as qualifying_events,
        min(occurred_at) as first_occurred_at,
        max(_loaded_at) as _loaded_at,
        event_partition_date
    from reported
    group by event_partition_date, event_date, customer_id, anonymous_id

),

-- ids and labels that look like personal data leave staging as pseudonyms (macros/privacy/pii_guard.sql)
final as (

    select
        event_date,
        {{ guard_pii('customer_id', 'id') }} as customer_id,
        {{ guard_pii('anonymous_id', 'id') }} as anonymous_id,
        qualifying_events,
        first_occurred_at,
        _loaded_at,
        event_partition_date
    from grouped

)

select * from final
