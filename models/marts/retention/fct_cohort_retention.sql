{%- set grains = ['day', 'week', 'month'] -%}

with

cohorts as (

    select * from {{ ref('int_customer_cohorts') }}

),

cohort_activity as (

    select * from {{ ref('int_cohort_activity_days') }}

),

numbers as (

    select * from {{ ref('int_numbers') }}

),

{{ cohort_matrix_ctes(grains, 'cohorts', 'cohort_activity', 'numbers') }},

final as (

    select
        cohort_basis,
        activity_basis,
        period_grain,
        cohort_start,
        cast(period_number as {{ dbt.type_int() }}) as period_number,
        period_start,
        cast(cohort_size as {{ dbt.type_int() }}) as cohort_size,
        cast(retained_customers as {{ dbt.type_int() }}) as retained_customers,
        {{ safe_rate('retained_customers', 'cohort_size') }} as retention_rate,
        cast(unbounded_retained_customers as {{ dbt.type_int() }}) as unbounded_retained_customers,
        {{ safe_rate('unbounded_retained_customers', 'cohort_size') }} as unbounded_retention_rate,
        is_complete
    from cohort_matrices

)

select * from final
