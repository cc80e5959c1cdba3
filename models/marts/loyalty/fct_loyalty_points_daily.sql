-- the points programme per day, from the first ledger day to as_of_date (docs: loyalty_points_daily): points
-- issued by reason, adjusted, redeemed and expired, the outstanding balance at the end of the day and its
-- liability in the reporting currency (outstanding x var('loyalty_redemption_value'))
with

ledger as (

    select * from {{ ref('int_loyalty_ledger') }}

),

numbers as (

    select * from {{ ref('int_numbers') }}

),

bounds as (

    select min(entry_date) as first_date
    from ledger

),

-- every day from the first entry to as_of_date (and every day with an entry)
days as (

    select cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.first_date') }} as date) as points_date
    from bounds
    cross join numbers
    where {{ dbt.dateadd('day', 'numbers.n', 'bounds.first_date') }} <= {{ as_of_date() }}

    union

    select entry_date as points_date
    from ledger

),

per_day as (

    select
        entry_date,
        sum(case when entry_kind = 'earn' then points else 0 end) as points_issued,
        sum(case when entry_reason = 'earn_order' then points else 0 end) as points_issued_order,
        sum(case when entry_reason = 'earn_review' then points else 0 end) as points_issued_review,
        sum(case when entry_reason = 'earn_share' then points else 0 end) as points_issued_share,
        sum(case when entry_reason = 'earn_signup' then points else 0 end) as points_issued_signup,
        sum(case when entry_kind = 'adjust' then points else 0 end) as points_adjusted,
        sum(case when entry_kind = 'redeem' then -points else 0 end) as points_redeemed,
        sum(case when entry_kind = 'expire' then -points else 0 end) as points_expired,
        sum(points) as net_points_change,
        count(distinct case when entry_kind = 'earn' then customer_id end) as earning_customers,
        count(distinct case when entry_kind = 'redeem' then customer_id end) as redeeming_customers
    from ledger
    group by 1

),

filled as (

    select
        days.points_date,
        coalesce(per_day.points_issued, 0) as points_issued,
        coalesce(per_day.points_issued_order, 0) as points_issued_order,
        coalesce(per_day.points_issued_review, 0) as points_issued_review,
        coalesce(per_day.points_issued_share, 0) as points_issued_share,
        coalesce(per_day.points_issued_signup, 0) as points_issued_signup,
        coalesce(per_day.points_adjusted, 0) as points_adjusted,
        coalesce(per_day.points_redeemed, 0) as points_redeemed,
        coalesce(per_day.points_expired, 0) as points_expired,
        coalesce(per_day.net_points_change, 0) as net_points_change,
        coalesce(per_day.earning_customers, 0) as earning_customers,
        coalesce(per_day.redeeming_customers, 0) as redeeming_customers
    from days
    left join per_day
        on days.points_date = per_day.entry_date

),

running as (

    select
        *,
        sum(net_points_change) over (
            order by points_date rows between unbounded preceding and current row
        ) as points_outstanding
    from filled

),

final as (

    select
        points_date,
        cast(points_issued as {{ dbt.type_bigint() }}) as points_issued,
        cast(points_issued_order as {{ dbt.type_bigint() }}) as points_issued_order,
        cast(points_issued_review as {{ dbt.type_bigint() }}) as points_issued_review,
        cast(points_issued_share as {{ dbt.type_bigint() }}) as points_issued_share,
        cast(points_issued_signup as {{ dbt.type_bigint() }}) as points_issued_signup,
        cast(points_adjusted as {{ dbt.type_bigint() }}) as points_adjusted,
        cast(points_redeemed as {{ dbt.type_bigint() }}) as points_redeemed,
        cast(points_expired as {{ dbt.type_bigint() }}) as points_expired,
        cast(net_points_change as {{ dbt.type_bigint() }}) as net_points_change,
        cast(points_outstanding as {{ dbt.type_bigint() }}) as points_outstanding,
        cast(points_outstanding * {{ var('loyalty_redemption_value') }} as {{ type_money() }}) as liability_amount,
        cast(earning_customers as {{ dbt.type_int() }}) as earning_customers,
        cast(redeeming_customers as {{ dbt.type_int() }}) as redeeming_customers
    from running

)

select * from final
