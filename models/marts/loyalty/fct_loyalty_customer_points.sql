-- every customer's points as of as_of_date (docs: loyalty_customer_points): balance, lifetime earned, redeemed
-- and expired (earned - redeemed - expired = balance), last earn and redeem days, and the points that expire on
-- days as_of+1 .. as_of+var('loyalty_expiring_horizon_days') if nothing else happens, by var('loyalty_expiry_rule')
{%- set rule = var('loyalty_expiry_rule') %}
{%- set days = var('loyalty_expiry_days') %}
{%- set horizon = var('loyalty_expiring_horizon_days') %}

with

ledger as (

    select * from {{ ref('int_loyalty_ledger') }}

),

totals as (

    select
        customer_id,
        sum(points) as points_balance,
        sum(case when entry_kind in ('earn', 'adjust') then points else 0 end) as lifetime_points_earned,
        sum(case when entry_kind = 'redeem' then -points else 0 end) as lifetime_points_redeemed,
        sum(case when entry_kind = 'expire' then -points else 0 end) as lifetime_points_expired,
        sum(case when points < 0 then -points else 0 end) as points_consumed,
        min(entry_date) as first_entry_date,
        max(case when entry_kind = 'earn' then entry_date end) as last_earn_date,
        max(case when entry_kind = 'redeem' then entry_date end) as last_redeem_date,
        max(case when entry_kind in ('earn', 'redeem') then entry_date end) as last_activity_date
    from ledger
    group by 1

),

{% if rule == 'lifetime' -%}
-- first in, first out: lot j (earned points, in time order) still holds clamp(C_j - consumed, 0, lot) points,
-- C_j the points earned through it and consumed every negative entry so far (expiries included)
lots as (

    select
        customer_id,
        points,
        {{ dbt.dateadd('day', days, 'entry_date') }} as expiry_date,
        sum(points) over (
            partition by customer_id
            order by occurred_at, {{ bytewise('entry_id') }}
            rows between unbounded preceding and current row
        ) as earned_through
    from ledger
    where points > 0

),

remaining as (

    select
        lots.customer_id,
        cast(lots.expiry_date as date) as expiry_date,
        case
            when lots.earned_through - totals.points_consumed <= 0 then 0
            when lots.earned_through - totals.points_consumed >= lots.points then lots.points
            else lots.earned_through - totals.points_consumed
        end as remaining_points
    from lots
    inner join totals
        on lots.customer_id = totals.customer_id
    where lots.expiry_date > {{ as_of_date() }}

),

expiring as (

    select
        customer_id,
        sum(case
            when expiry_date <= {{ dbt.dateadd('day', horizon, as_of_date()) }} then remaining_points else 0
        end) as points_expiring_soon,
        min(case when remaining_points > 0 then expiry_date end) as next_expiry_date
    from remaining
    group by 1

),
{%- else %}
-- inactivity: the whole balance expires var('loyalty_expiry_days') days after the last earn or redeem day
expiring as (

    select
        customer_id,
        case
            when {{ (rule == 'inactivity') | lower }}
                and points_balance > 0
                and {{ dbt.dateadd('day', days, 'last_activity_date') }} <= {{ dbt.dateadd('day', horizon, as_of_date()) }}
                and {{ dbt.dateadd('day', days, 'last_activity_date') }} > {{ as_of_date() }}
                then points_balance
            else 0
        end as points_expiring_soon,
        case
            when {{ (rule == 'inactivity') | lower }} and points_balance > 0
                and {{ dbt.dateadd('day', days, 'last_activity_date') }} > {{ as_of_date() }}
                then cast({{ dbt.dateadd('day', days, 'last_activity_date') }} as date)
        end as next_expiry_date
    from totals

),
{%- endif %}

final as (

    select
        totals.customer_id,
        {{ as_of_date() }} as as_of_date,
        cast(totals.points_balance as {{ dbt.type_bigint() }}) as points_balance,
        cast(totals.points_balance * {{ var('loyalty_redemption_value') }} as {{ type_money() }}) as balance_value,
        cast(totals.lifetime_points_earned as {{ dbt.type_bigint() }}) as lifetime_points_earned,
        cast(totals.lifetime_points_redeemed as {{ dbt.type_bigint() }}) as lifetime_points_redeemed,
        cast(totals.lifetime_points_expired as {{ dbt.type_bigint() }}) as lifetime_points_expired,
        totals.first_entry_date,
        totals.last_earn_date,
        totals.last_redeem_date,
        cast(coalesce(expiring.points_expiring_soon, 0) as {{ dbt.type_bigint() }}) as points_expiring_soon,
        expiring.next_expiry_date
    from totals
    left join expiring
        on totals.customer_id = expiring.customer_id

)

select * from final
