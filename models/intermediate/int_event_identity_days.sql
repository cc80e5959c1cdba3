-- qualifying events per day and reported identity, before identity stitching: the customer id the feed sent, or
-- the anonymous id of an event sent without one. Incremental by event day like base_shop__events; activity
-- stitches these compact rows (int_customer_activity_days) instead of every event, so stitching stays
-- retroactive (decision D-004) while the per-event work is done once per loaded day
{{ config(**event_days_incremental_config()) }}

with

events as (

    select * from {{ ref('base_shop__events') }}

),

{% if is_incremental() %}
{{ event_days_to_rebuild_ctes(this, events=ref('base_shop__events')) }},

in_scope as (

    select events.*
    from events
    where events.event_partition_date in (select event_days_to_rebuild.event_partition_date from event_days_to_rebuild)

),
{% else %}
in_scope as (

    select * from events

),
{% endif %}

qualifying as (

    select
        event_partition_date,
        event_date,
        customer_id,
        case when customer_id is null then anonymous_id end as anonymous_id,
        _loaded_at
    from in_scope
    where quarantine_reason is null
        and not is_duplicate
        and (customer_id is not null or anonymous_id is not null)
        and {{ is_qualifying_event('event_type') }}

),

final as (

    select
        event_date,
        customer_id,
        anonymous_id,
        count(*) as qualifying_events,
        max(_loaded_at) as _loaded_at,
        event_partition_date
    from qualifying
    group by event_partition_date, event_date, customer_id, anonymous_id

)

select * from final
