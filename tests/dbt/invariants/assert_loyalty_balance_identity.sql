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

latest as (

    select max(points_date) as latest_date
    from daily

),

last_day as (

    select
        daily.points_date,
        daily.points_outstanding
    from daily
    inner join latest
        on daily.points_date = latest.latest_date

),

balances as (

    select coalesce(sum(points_balance), 0) as total_balance
    from customer_points

),

programme_breaks as (

    select
        'programme' as failure,
        cast(last_day.points_date as {{ type_string() }}) as record_id
    from last_day
    cross join balances
    where last_day.points_outstanding <> balances.total_balance

)

select * from customer_breaks
union all
select * from programme_breaks
