-- the expiry entries of the derived points ledger: the rule entries (int_loyalty_rule_entries) expire by
-- var('loyalty_expiry_rule') up to as_of_date, one entry per customer and expiry day (docs: loyalty_ledger_rules).
-- With N = var('loyalty_expiry_days'):
--   inactivity  the whole balance expires on day d + N when d is a day with an earn or redeem entry and no such
--               entry follows on days d + 1 .. d + N - 1 (an entry on day d + N comes after the expiry)
--   lifetime    the points earned on day d expire on day d + N as far as they are not redeemed before that day,
--               redemptions (and negative adjustments) consuming the oldest points first; with C_j the points
--               earned through lot j and R_j the points consumed before lot j's expiry day, the points expired
--               through lot j are max(0, max over lots i <= j of C_i - R_i) (the closed form of first in, first out)
--   none        nothing expires
{%- set rule = var('loyalty_expiry_rule') %}
{%- set days = var('loyalty_expiry_days') %}

with

rule_entries as (

    select * from {{ ref('int_loyalty_rule_entries') }}

),

{% if rule == 'inactivity' -%}
activity_days as (

    select distinct
        customer_id,
        entry_date
    from rule_entries
    where entry_reason like 'earn%' or entry_reason = 'redeem'

),

gaps as (

    select
        customer_id,
        entry_date,
        lead(entry_date) over (partition by customer_id order by entry_date) as next_entry_date
    from activity_days

),

expiry_days as (

    select
        customer_id,
        {{ dbt.dateadd('day', days, 'entry_date') }} as expiry_date
    from gaps
    where
        (next_entry_date is null or next_entry_date >= {{ dbt.dateadd('day', days, 'entry_date') }})
        and {{ dbt.dateadd('day', days, 'entry_date') }} <= {{ as_of_date() }}

),

-- every entry and every expiry day in time order (an expiry before the entries of its day)
timeline as (

    select
        customer_id,
        cast(expiry_date as date) as timeline_date,
        0 as sort_key,
        cast(0 as {{ dbt.type_bigint() }}) as points,
        true as is_expiry
    from expiry_days

    union all

    select
        customer_id,
        entry_date as timeline_date,
        1 as sort_key,
        points,
        false as is_expiry
    from rule_entries

),

running as (

    select
        customer_id,
        timeline_date,
        is_expiry,
        sum(points) over (
            partition by customer_id
            order by timeline_date, sort_key
            rows between unbounded preceding and current row
        ) as entries_through
    from timeline

),

-- the balance at an expiry is everything since the previous expiry (which emptied it)
expired as (

    select
        customer_id,
        timeline_date as expiry_date,
        entries_through - coalesce(lag(entries_through) over (
            partition by customer_id order by timeline_date
        ), 0) as expired_points
    from running
    where is_expiry

),
{%- elif rule == 'lifetime' %}
lots as (

    select
        customer_id,
        entry_date,
        {{ dbt.dateadd('day', days, 'entry_date') }} as expiry_date,
        sum(points) over (
            partition by customer_id
            order by occurred_at, {{ bytewise('entry_id') }}
            rows between unbounded preceding and current row
        ) as earned_through,
        occurred_at,
        entry_id
    from rule_entries
    where points > 0

),

-- the points consumed (negative entries other than expiries) before each lot's expiry day
timeline as (

    select
        customer_id,
        cast(expiry_date as date) as timeline_date,
        0 as sort_key,
        cast(0 as {{ dbt.type_bigint() }}) as consumed,
        entry_id
    from lots

    union all

    select
        customer_id,
        entry_date as timeline_date,
        1 as sort_key,
        - points as consumed,
        entry_id
    from rule_entries
    where points < 0

),

consumed_before as (

    select
        customer_id,
        entry_id,
        sum(consumed) over (
            partition by customer_id
            order by timeline_date, sort_key
            rows between unbounded preceding and current row
        ) as consumed_through,
        sort_key
    from timeline

),

lot_expiries as (

    select
        lots.customer_id,
        lots.expiry_date,
        lots.occurred_at,
        lots.entry_id,
        max(lots.earned_through - consumed_before.consumed_through) over (
            partition by lots.customer_id
            order by lots.occurred_at, {{ bytewise('lots.entry_id') }}
            rows between unbounded preceding and current row
        ) as excess_through
    from lots
    inner join consumed_before
        on lots.customer_id = consumed_before.customer_id
            and lots.entry_id = consumed_before.entry_id
            and consumed_before.sort_key = 0

),

lot_expired as (

    select
        customer_id,
        expiry_date,
        (case when excess_through > 0 then excess_through else 0 end)
        - coalesce(lag(case when excess_through > 0 then excess_through else 0 end) over (
            partition by customer_id
            order by occurred_at, {{ bytewise('entry_id') }}
        ), 0) as expired_points
    from lot_expiries

),

expired as (

    select
        customer_id,
        cast(expiry_date as date) as expiry_date,
        sum(expired_points) as expired_points
    from lot_expired
    where expiry_date <= {{ as_of_date() }}
    group by 1, 2

),
{%- else %}
expired as (

    select
        customer_id,
        entry_date as expiry_date,
        points as expired_points
    from rule_entries
    where 1 = 0

),
{%- endif %}

expiry_entries as (

    select
        cast(
            {{ dbt.concat(["'derived:expire:'", 'customer_id', "':'", dbt.safe_cast('expiry_date', type_string())]) }}
            as {{ type_string() }}
        ) as entry_id,
        customer_id,
        cast(null as {{ type_string() }}) as order_id,
        cast('expire' as {{ type_string() }}) as entry_reason,
        cast(-expired_points as {{ dbt.type_bigint() }}) as points,
        cast(expiry_date as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(expiry_date as date) as entry_date
    from expired
    where expired_points > 0

)

select * from expiry_entries
