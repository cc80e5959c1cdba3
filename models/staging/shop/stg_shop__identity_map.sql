-- identity stitching (metrics.md, "Activity"): an anonymous id seen on any trusted event together with a customer
-- id belongs to that customer; seen with several, the first customer it was seen with (ties by customer id).
-- A table rebuilt on every run: stitching is retroactive (decision D-004), so it is not incremental; it reads the
-- per-day (anonymous id, customer) pairs of stg_shop__event_identity_pairs (incremental), not every event
-- (decision D-035)
{{ config(materialized='table') }}

with

identity_pairs as (

    select * from {{ ref('stg_shop__event_identity_pairs') }}

),

pairs as (

    select
        anonymous_id,
        customer_id,
        min(first_seen_at_utc) as first_seen_at_utc
    from identity_pairs
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
