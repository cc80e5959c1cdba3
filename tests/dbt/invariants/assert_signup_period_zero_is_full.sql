-- registering is activity, so period 0 of every signup cohort is 100% on the any_activity basis; the same holds
-- for first_order cohorts on both bases (the first order day is a purchase day)
select *
from {{ ref('fct_cohort_retention') }}
where period_number = 0
    and retained_customers <> cohort_size
    and (
        (cohort_basis = 'signup' and activity_basis = 'any_activity')
        or cohort_basis = 'first_order'
    )
