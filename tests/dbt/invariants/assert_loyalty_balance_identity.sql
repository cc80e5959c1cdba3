-- the points balance identity on every build (docs: loyalty_ledger_rules): per customer, earned - redeemed -
-- expired = balance; and the programme's outstanding points on as_of_date equal the sum of the balances
with

customer_points as (

    select * from {{ ref('fct_loyalty_customer_points') }}

),

daily as (

    select * from {{ ref('fct_loyalty_points_daily') }}

),

customer_breaks as (

    select
        'customer' as failure,
        customer_id as record_id
    from customer_points
    where lifetime_points_earned - lifetime_points_redeemed - lifetime_points_expired <> points_balance

),

programme_breaks as (

    select
        'programme' as failure,
        cast(daily.points_date as {{ type_string() }}) as record_id
    from daily
    where daily.points_date = (select max(points_date) from daily)
        and daily.points_outstanding <> (select coalesce(sum(points_balance), 0) from customer_points)

)

select * from customer_breaks
union all
select * from programme_breaks
