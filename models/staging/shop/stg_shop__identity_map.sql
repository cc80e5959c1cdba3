-- identity stitching (metrics.md, "Activity"): an anonymous id seen on any trusted event together with a customer
-- id belongs to that customer; seen with several, the first customer it was seen with (ties by customer id).
-- A table rebuilt on every run from the staged events: stitching is retroactive (decision D-004), so it is not
-- incremental; it reads one row per (anonymous id, customer) pair, not every event
{{ config(materialized='table') }}

with

events as (

    select * from {{ ref('base_shop__events') }}

),

pairs as (

    select
        anonymous_id,
        customer_id,
        min(occurred_at_utc) as first_seen_at_utc
    from events
    where quarantine_reason is null
        and not is_duplicate
        and anonymous_id is not null
        and customer_id is not null
    group by 1, 2

),

ranked as (

    select
        anonymous_id,
        customer_id,
        first_seen_at_utc,
        row_number() over (
            partition by anonymous_id
            order by first_seen_at_utc, customer_id
        ) as identification_order
    from pairs

),

final as (

    select
        anonymous_id,
        customer_id,
        first_seen_at_utc
    from ranked
    where identification_order = 1

)

select * from final
