-- trusted loyalty-ledger entries of a supplied ledger, one per entry_id, in the reporting time zone
with

base as (

    select * from {{ ref('base_shop__loyalty_ledger') }}

),

kept as (

    select
        entry_id,
        customer_id,
        order_id,
        entry_reason,
        points,
        {{ to_reporting_tz('occurred_at_utc') }} as occurred_at,
        cast({{ to_reporting_tz('occurred_at_utc') }} as date) as entry_date,
        _loaded_at
    from base
    where quarantine_reason is null and not is_duplicate

)

select * from kept
