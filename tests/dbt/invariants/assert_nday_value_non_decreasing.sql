-- N-day value never decreases with N among complete cells, and a complete cohort month holds exactly the revenue
-- and customers of its cohort days (issue 24; docs: nday_value)
with

nday_value as (

    select * from {{ ref('fct_nday_value') }}

),

with_previous as (

    select
        *,
        lag(cumulative_net_revenue) over (
            partition by cohort_basis, cohort_grain, cohort_start
            order by n_days
        ) as previous_revenue
    from nday_value
    where is_complete

),

decreasing as (

    select
        cohort_basis,
        cohort_grain,
        cohort_start,
        n_days,
        'decreases with N' as problem
    from with_previous
    where previous_revenue > cumulative_net_revenue

),

day_sums as (

    select
        cohort_basis,
        {{ period_start('month', 'cohort_start') }} as cohort_start,
        n_days,
        sum(cohort_size) as cohort_size,
        sum(cumulative_net_revenue) as cumulative_net_revenue
    from nday_value
    where cohort_grain = 'day'
    group by cohort_basis, {{ period_start('month', 'cohort_start') }}, n_days

),

months_disagree as (

    select
        months.cohort_basis,
        months.cohort_grain,
        months.cohort_start,
        months.n_days,
        'month differs from its days' as problem
    from nday_value as months
    left join day_sums
        on months.cohort_basis = day_sums.cohort_basis
            and months.cohort_start = day_sums.cohort_start
            and months.n_days = day_sums.n_days
    where months.cohort_grain = 'month'
        and months.is_complete
        and (
            day_sums.cohort_size is null
            or months.cohort_size != day_sums.cohort_size
            or months.cumulative_net_revenue != day_sums.cumulative_net_revenue
        )

)

select * from decreasing
union all
select * from months_disagree
