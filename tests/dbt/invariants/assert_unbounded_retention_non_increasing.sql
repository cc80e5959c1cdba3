-- unbounded retention never increases with the period number (metrics.md, "Invariants")
with

retention as (

    select * from {{ ref('fct_cohort_retention') }}

),

with_previous as (

    select
        *,
        lag(unbounded_retained_customers) over (
            partition by cohort_basis, activity_basis, period_grain, cohort_start
            order by period_number
        ) as previous_unbounded
    from retention

)

select *
from with_previous
where previous_unbounded < unbounded_retained_customers
