-- N-day value (issue 24; Amplitude's N-day LTV): per cohort day and cohort month, the cohort's cumulative net
-- revenue by day N after each customer's own cohort day, for N in var('nday_value_days'): the revenue of valid
-- orders on days 0..N (day 0, the cohort day, included), per cohort customer. Null until complete: the cohort's
-- last day + N on or before as_of_date (docs: nday_value)
with

cohorts as (

    select * from {{ ref('int_customer_cohorts') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

nday_days as (

    {{ nday_value_day_rows() }}

),

cohort_day_sizes as (

    select
        cohort_basis,
        cohort_date,
        count(*) as cohort_size
    from cohorts
    group by cohort_basis, cohort_date

),

-- the valid orders of cohort customers on days 0 .. the largest N after their cohort day (an order before the
-- cohort day never counts in that cohort); every order counts, two on one day too
cohort_orders as (

    select
        cohorts.cohort_basis,
        cohorts.cohort_date,
        {{ dbt.datediff('cohorts.cohort_date', 'orders.order_date', 'day') }}
            as day_number,
        orders.net_revenue
    from cohorts
    inner join orders
        on cohorts.customer_id = orders.customer_id
    where orders.order_date >= cohorts.cohort_date
        and orders.order_date <= {{ dbt.dateadd('day', var('nday_value_days') | max, 'cohorts.cohort_date') }}

),

-- by day N means on or before day N: days 0..N
day_revenue as (

    select
        cohort_orders.cohort_basis,
        cohort_orders.cohort_date,
        nday_days.n_days,
        sum(cohort_orders.net_revenue) as cumulative_net_revenue
    from cohort_orders
    inner join nday_days
        on cohort_orders.day_number <= nday_days.n_days
    group by cohort_orders.cohort_basis, cohort_orders.cohort_date, nday_days.n_days

),

-- dense: every N of every cohort day (every N-day window starts on the cohort day), 0 without revenue
day_cells as (

    select
        cohort_day_sizes.cohort_basis,
        cast('day' as {{ type_string() }}) as cohort_grain,
        cohort_day_sizes.cohort_date as cohort_start,
        nday_days.n_days,
        cohort_day_sizes.cohort_size,
        coalesce(day_revenue.cumulative_net_revenue, cast(0 as {{ type_money() }})) as cumulative_net_revenue
    from cohort_day_sizes
    cross join nday_days
    left join day_revenue
        on cohort_day_sizes.cohort_basis = day_revenue.cohort_basis
            and cohort_day_sizes.cohort_date = day_revenue.cohort_date
            and nday_days.n_days = day_revenue.n_days

),

-- a cohort month adds up its cohort days: each customer's N days count from their own cohort day
month_cells as (

    select
        cohort_basis,
        cast('month' as {{ type_string() }}) as cohort_grain,
        {{ period_start('month', 'cohort_start') }} as cohort_start,
        n_days,
        sum(cohort_size) as cohort_size,
        sum(cumulative_net_revenue) as cumulative_net_revenue
    from day_cells
    group by cohort_basis, {{ period_start('month', 'cohort_start') }}, n_days

),

cells as (

    select * from day_cells
    union all
    select * from month_cells

),

-- the cohort's last day: the day itself, or the last day of the calendar month (the month's cohort is final then)
bounded as (

    select
        *,
        case
            when cohort_grain = 'day' then cohort_start
            else {{ period_end('month', 'cohort_start') }}
        end as cohort_end
    from cells

),

completeness as (

    select
        *,
        {{ dbt.dateadd('day', 'n_days', 'cohort_end') }} <= {{ as_of_date() }} as is_complete
    from bounded

),

final as (

    select
        cohort_basis,
        cohort_grain,
        cohort_start,
        cohort_end,
        cast(n_days as {{ dbt.type_int() }}) as n_days,
        cast(cohort_size as {{ dbt.type_int() }}) as cohort_size,
        -- the cast outside the case keeps the decimal's scale on PostgreSQL (a case drops a type modifier)
        cast(case
            when is_complete then cumulative_net_revenue
        end as {{ type_money() }}) as cumulative_net_revenue,
        cast(case
            when is_complete then cast(cumulative_net_revenue / cohort_size as {{ type_money() }})
        end as {{ type_money() }}) as value_per_customer,
        is_complete
    from completeness

)

select * from final
