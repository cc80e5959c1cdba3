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

final as (

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

)

select * from final
