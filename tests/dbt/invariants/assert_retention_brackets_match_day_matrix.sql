-- retention brackets agree with the day-grain cohort matrix (issue 24; docs: retention_brackets): a single-day
-- bracket [k, k] retains exactly the customers of period k, and no bracket retains more than the unbounded
-- retention of its first day (active on that day or later)
with

brackets as (

    select * from {{ ref('fct_retention_brackets') }}

),

retention as (

    select * from {{ ref('fct_cohort_retention') }}

),

day_matrix as (

    select
        cohort_basis,
        activity_basis,
        cohort_start,
        period_number,
        cohort_size,
        retained_customers,
        unbounded_retained_customers
    from retention
    where period_grain = 'day'

),

final as (

    select
        brackets.cohort_basis,
        brackets.activity_basis,
        brackets.cohort_date,
        brackets.bracket,
        brackets.retained_customers,
        day_matrix.retained_customers as matrix_retained_customers,
        day_matrix.unbounded_retained_customers as matrix_unbounded_customers
    from brackets
    left join day_matrix
        on brackets.cohort_basis = day_matrix.cohort_basis
            and brackets.activity_basis = day_matrix.activity_basis
            and brackets.cohort_date = day_matrix.cohort_start
            and brackets.bracket_first_day = day_matrix.period_number
    where day_matrix.cohort_size is null
        or brackets.cohort_size != day_matrix.cohort_size
        or brackets.retained_customers > day_matrix.unbounded_retained_customers
        or (
            brackets.bracket_first_day = brackets.bracket_last_day
            and brackets.retained_customers != day_matrix.retained_customers
        )

)

select * from final
