-- cohort LTV curve (metrics.md, "Repeat purchase and lifetime value"): for a first-order month cohort and month
-- offset k, the average cumulative net revenue per cohort customer through month k
with

cohorts as (

    select * from {{ ref('int_customer_cohorts') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

numbers as (

    select * from {{ ref('int_numbers') }}

),

first_order_cohorts as (

    select
        customer_id,
        {{ period_start('month', 'cohort_date') }} as cohort_month
    from cohorts
    where cohort_basis = 'first_order'

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_size
    from first_order_cohorts
    group by 1

),

monthly_revenue as (

    select
        first_order_cohorts.cohort_month,
        {{ period_number('month', 'first_order_cohorts.cohort_month', period_start('month', 'orders.order_date')) }}
            as month_offset,
        sum(orders.net_revenue) as net_revenue
    from orders
    inner join first_order_cohorts
        on orders.customer_id = first_order_cohorts.customer_id
    group by 1, 2

),

spine as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_size,
        numbers.n as month_offset
    from cohort_sizes
    inner join numbers
        on numbers.n <= {{ period_number('month', 'cohort_sizes.cohort_month', period_start('month', as_of_date())) }}

),

cumulative as (

    select
        spine.cohort_month,
        spine.month_offset,
        spine.cohort_size,
        sum(coalesce(monthly_revenue.net_revenue, 0)) over (
            partition by spine.cohort_month
            order by spine.month_offset
            rows between unbounded preceding and current row
        ) as cumulative_net_revenue
    from spine
    left join monthly_revenue
        on spine.cohort_month = monthly_revenue.cohort_month
            and spine.month_offset = monthly_revenue.month_offset

),

final as (

    select
        cohort_month,
        cast(month_offset as {{ dbt.type_int() }}) as month_offset,
        cast(cohort_size as {{ dbt.type_int() }}) as cohort_size,
        cast(cumulative_net_revenue as {{ type_money() }}) as cumulative_net_revenue,
        cast(cumulative_net_revenue / cohort_size as {{ type_money() }}) as avg_cumulative_net_revenue,
        {{ period_end('month', add_periods('month', 'month_offset', 'cohort_month')) }} <= {{ as_of_date() }}
            as is_complete
    from cumulative

)

select * from final
