{%- set grains = ['week', 'month'] -%}

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

-- one cohort row per customer and slice: by acquisition channel and by country
segmented_cohorts as (

    select
        cohort_basis,
        customer_id,
        cohort_date,
        cast('acquisition_channel' as {{ type_string() }}) as segment_type,
        acquisition_channel as segment_value
    from cohorts
    union all
    select
        cohort_basis,
        customer_id,
        cohort_date,
        cast('country' as {{ type_string() }}) as segment_type,
        country_code as segment_value
    from cohorts

),

{{ cohort_matrix_ctes(grains, 'segmented_cohorts', 'cohort_activity', 'numbers', ['segment_type', 'segment_value']) }},

final as (

    select
        segment_type,
        segment_value,
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
