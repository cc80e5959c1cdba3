-- every raw loyalty-ledger row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag;
-- ids that look like personal data leave as pseudonyms (macros/privacy/pii_guard.sql). Beyond the row rules, a
-- redemption larger than the balance the customer holds when it happens is quarantined
-- (redemption_exceeds_balance; docs: loyalty_ledger_rules)

with

source as (

    select * from {{ source('shop', 'loyalty_ledger') }}

),

raw_customers as (

    select * from {{ source('shop', 'customers') }}

),

pii_salt as (

    select * from {{ source('privacy', 'pii_salt') }}

),

test_customers as (

    select distinct {{ raw_text('customer_id') }} as customer_id
    from raw_customers
    where cast(is_test as boolean)

),

typed as (

    select
        {{ raw_text('source.entry_id') }} as entry_id,
        {{ raw_text('source.customer_id') }} as customer_id,
        {{ raw_text('source.order_id') }} as order_id,
        lower(trim({{ raw_text('source.reason') }})) as entry_reason,
        cast(source.points as {{ dbt.type_bigint() }}) as points,
        cast(source.occurred_at as {{ dbt.type_timestamp() }}) as occurred_at_utc,
        cast(source._loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

-- earnings add points, redemptions and expiries subtract them, adjustments go either way but are never 0
checked as (

    select
        typed.*,
        case
            {{ id_problem('typed.entry_id', 'missing_entry_id') }}
            {{ id_problem('typed.customer_id', 'missing_customer_id') }}
            when typed.order_id is not null and not {{ is_valid_id('typed.order_id') }} then 'invalid_id'
            when test_customers.customer_id is not null then 'test_account'
            when typed.entry_reason is null then 'missing_reason'
            when typed.entry_reason not in (
                    'earn_order', 'earn_review', 'earn_share', 'earn_signup', 'redeem', 'expire', 'adjust'
                ) then 'unknown_reason'
            when typed.points is null then 'missing_points'
            when typed.entry_reason like 'earn%' and typed.points <= 0 then 'points_sign_mismatch'
            when typed.entry_reason in ('redeem', 'expire') and typed.points >= 0 then 'points_sign_mismatch'
            when typed.entry_reason = 'adjust' and typed.points = 0 then 'points_sign_mismatch'
            {{ timestamp_problem('typed.occurred_at_utc', 'missing_occurred_at') }}
        end as quarantine_reason
    from typed
    left join test_customers
        on typed.customer_id = test_customers.customer_id

),

-- the same entry sent again: the latest load wins
flagged as (

    select
        *,
        {{ is_duplicate('entry_id', '_loaded_at desc, occurred_at_utc, points') }} as is_duplicate
    from checked

),

-- the balance of the customer's trusted entries up to and including each one (time, then entry id byte-wise)
balanced as (

    select
        *,
        case
            when quarantine_reason is null and not is_duplicate
                then sum(points) over (
                        partition by customer_id, quarantine_reason, is_duplicate
                        order by occurred_at_utc, {{ bytewise('entry_id') }}
                        rows between unbounded preceding and current row
                    )
        end as balance_after_entry
    from flagged

),

{%- set guarded = {
    'entry_id': ['entry_id', 'id'],
    'customer_id': ['customer_id', 'id'],
    'order_id': ['order_id', 'id'],
} %}

final as (

    select
        {{- guarded_columns(guarded) }}
        entry_reason,
        points,
        occurred_at_utc,
        _loaded_at,
        coalesce(
            quarantine_reason,
            case when entry_reason = 'redeem' and balance_after_entry < 0 then 'redemption_exceeds_balance' end
        ) as quarantine_reason,
        is_duplicate,
        {{ pii_redacted_list(guarded) }} as pii_redacted
    from balanced

)

select * from final
