-- the derived points ledger (docs: loyalty_ledger_rules): the entries of the earning and redemption rules
-- (int_loyalty_rule_entries) and their expiries by var('loyalty_expiry_rule') (int_loyalty_expiries), up to
-- as_of_date; the ledger of a shop that supplies none
with

rule_entries as (

    select * from {{ ref('int_loyalty_rule_entries') }}

),

expiries as (

    select * from {{ ref('int_loyalty_expiries') }}

),

final as (

    select
        entry_id,
        customer_id,
        order_id,
        entry_reason,
        points,
        occurred_at,
        entry_date
    from rule_entries

    union all

    select
        entry_id,
        customer_id,
        order_id,
        entry_reason,
        points,
        occurred_at,
        entry_date
    from expiries

)

select * from final
