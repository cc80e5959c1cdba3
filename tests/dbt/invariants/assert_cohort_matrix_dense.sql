-- every started period of every cohort has a row: n runs 0 .. max without holes, up to as_of_date's period
with

retention as (

    select * from {{ ref('fct_cohort_retention') }}

),

per_cohort as (

    select
        cohort_basis,
        activity_basis,
        period_grain,
        cohort_start,
        count(*) as periods,
        min(period_number) as first_period,
        max(period_number) as last_period,
        max(period_start) as last_period_start
    from retention
    group by 1, 2, 3, 4

)

select *
from per_cohort
where periods <> last_period + 1
    or first_period <> 0
    or last_period_start > {{ as_of_date() }}
    or (period_grain = 'day' and last_period_start <> {{ as_of_date() }})
