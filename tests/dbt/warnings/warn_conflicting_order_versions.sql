-- warns when an order id was sent with conflicting content (decision D-039): one row per such id, with the
-- copies kept and quarantined and the subtotal (order currency) of the quarantined copies; `dbt test
-- --store-failures` keeps the rows. The usual cause is an id built from customer and day: the README says how
-- to build one that is unique ("Point it at your own data").
{{ config(severity='warn') }}

with

orders as (

    select * from {{ ref('base_shop__orders') }}

),

conflicts as (

    select
        order_id,
        count(*) as copies,
        sum(case when quarantine_reason = 'conflicting_version' then 1 else 0 end) as copies_quarantined,
        sum(case when quarantine_reason = 'conflicting_version' then subtotal_amount else 0 end)
            as subtotal_quarantined
    from orders
    where quarantine_reason is null or quarantine_reason = 'conflicting_version'
    group by order_id
    having sum(case when quarantine_reason = 'conflicting_version' then 1 else 0 end) > 0

)

select * from conflicts
