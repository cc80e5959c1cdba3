-- the per-day event counts (stg_shop__event_hours, stg_shop__event_identity_days) hold exactly the events of
-- base_shop__events they count (the one rule of macros/incremental/event_days.sql, counted_event_ctes), day by
-- day. An incremental run that inserted a day twice, lost a day or missed a rebuild shows up here.
with

events as (

    select * from {{ ref('base_shop__events') }}

),

event_hours as (

    select * from {{ ref('stg_shop__event_hours') }}

),

event_identity_days as (

    select * from {{ ref('stg_shop__event_identity_days') }}

),

{{ counted_event_ctes('events') }},

counted_per_day as (

    select
        event_partition_date,
        count(*) as events
    from counted_events
    group by 1

),

hours_per_day as (

    select
        event_partition_date,
        sum(events) as events
    from event_hours
    group by 1

),

identity_days_per_day as (

    select
        event_partition_date,
        sum(qualifying_events) as events
    from event_identity_days
    group by 1

),

days as (

    select event_partition_date from counted_per_day
    union
    select event_partition_date from hours_per_day
    union
    select event_partition_date from identity_days_per_day

)

select
    days.event_partition_date,
    counted_per_day.events as counted_events,
    hours_per_day.events as hourly_events,
    identity_days_per_day.events as identity_day_events
from days
left join counted_per_day
    on days.event_partition_date = counted_per_day.event_partition_date
left join hours_per_day
    on days.event_partition_date = hours_per_day.event_partition_date
left join identity_days_per_day
    on days.event_partition_date = identity_days_per_day.event_partition_date
where coalesce(counted_per_day.events, 0) <> coalesce(hours_per_day.events, 0)
    or coalesce(counted_per_day.events, 0) <> coalesce(identity_days_per_day.events, 0)
