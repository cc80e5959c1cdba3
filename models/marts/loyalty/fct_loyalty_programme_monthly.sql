-- programme health per calendar month, from the first ledger month to the month of as_of_date (docs:
-- loyalty_programme_monthly): members (customers with a ledger entry by the month's end, or by as_of_date in the
-- month in progress), active members (an earn or redeem entry in the month), the earn rate (members who earned in
-- the month / members), and, cumulative to the month's end, the redemption rate (points redeemed / points
-- earned) and breakage (points expired / points earned)
with

ledger as (

    select * from {{ ref('int_loyalty_ledger') }}

),

daily as (

    select * from {{ ref('fct_loyalty_points_daily') }}

),

entries as (

    select
        customer_id,
        entry_kind,
        points,
        cast({{ dbt.date_trunc('month', 'entry_date') }} as date) as month_start
    from ledger

),

months as (

    select distinct cast({{ dbt.date_trunc('month', 'points_date') }} as date) as month_start
    from daily

),

first_months as (

    select
        customer_id,
        min(month_start) as first_month
    from entries
    group by 1

),

joined as (

    select
        first_month as month_start,
        count(*) as new_members
    from first_months
    group by 1

),

monthly_members as (

    select
        month_start,
        count(distinct case when entry_kind in ('earn', 'redeem') then customer_id end) as active_members,
        count(distinct case when entry_kind = 'earn' then customer_id end) as earning_members,
        count(distinct case when entry_kind = 'redeem' then customer_id end) as redeeming_members
    from entries
    group by 1

),

monthly_points as (

    select
        cast({{ dbt.date_trunc('month', 'points_date') }} as date) as month_start,
        sum(points_issued + points_adjusted) as points_earned,
        sum(points_redeemed) as points_redeemed,
        sum(points_expired) as points_expired,
        max(points_date) as last_day
    from daily
    group by 1

),

outstanding as (

    select
        points_date,
        points_outstanding,
        liability_amount
    from daily

),

combined as (

    select
        months.month_start,
        coalesce(joined.new_members, 0) as new_members,
        coalesce(monthly_members.active_members, 0) as active_members,
        coalesce(monthly_members.earning_members, 0) as earning_members,
        coalesce(monthly_members.redeeming_members, 0) as redeeming_members,
        monthly_points.points_earned,
        monthly_points.points_redeemed,
        monthly_points.points_expired,
        outstanding.points_outstanding,
        outstanding.liability_amount
    from months
    inner join monthly_points
        on months.month_start = monthly_points.month_start
    inner join outstanding
        on monthly_points.last_day = outstanding.points_date
    left join joined
        on months.month_start = joined.month_start
    left join monthly_members
        on months.month_start = monthly_members.month_start

),

cumulative as (

    select
        *,
        sum(new_members) over (order by month_start rows between unbounded preceding and current row) as members,
        sum(points_earned) over (order by month_start rows between unbounded preceding and current row)
            as cumulative_points_earned,
        sum(points_redeemed) over (order by month_start rows between unbounded preceding and current row)
            as cumulative_points_redeemed,
        sum(points_expired) over (order by month_start rows between unbounded preceding and current row)
            as cumulative_points_expired
    from combined

),

final as (

    select
        month_start,
        cast(members as {{ dbt.type_int() }}) as members,
        cast(new_members as {{ dbt.type_int() }}) as new_members,
        cast(active_members as {{ dbt.type_int() }}) as active_members,
        cast(earning_members as {{ dbt.type_int() }}) as earning_members,
        cast(redeeming_members as {{ dbt.type_int() }}) as redeeming_members,
        cast(points_earned as {{ dbt.type_bigint() }}) as points_earned,
        cast(points_redeemed as {{ dbt.type_bigint() }}) as points_redeemed,
        cast(points_expired as {{ dbt.type_bigint() }}) as points_expired,
        cast(points_outstanding as {{ dbt.type_bigint() }}) as points_outstanding,
        liability_amount,
        {{ proportion('earning_members', 'members') }} as earn_rate,
        {{ proportion('cumulative_points_redeemed', 'cumulative_points_earned') }} as redemption_rate,
        {{ proportion('cumulative_points_expired', 'cumulative_points_earned') }} as breakage_rate,
        {{ dbt.dateadd('month', 1, 'month_start') }} <= {{ dbt.dateadd('day', 1, as_of_date()) }} as is_complete
    from cumulative

)

select * from final
