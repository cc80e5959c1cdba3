-- ad-hoc analysis: average complete month-1..3 retention of signup cohorts by acquisition channel,
-- weighted by cohort size (incomplete cells never enter an average). Compile with `dbt compile` and run the
-- SQL in target/compiled/ against the warehouse.
with

segment_retention as (

    select * from {{ ref('fct_cohort_retention_by_segment') }}

),

complete_cells as (

    select
        segment_value as acquisition_channel,
        period_number,
        cohort_size,
        retained_customers
    from segment_retention
    where segment_type = 'acquisition_channel'
        and cohort_basis = 'signup'
        and activity_basis = 'any_activity'
        and period_grain = 'month'
        and period_number between 1 and 3
        and is_complete

),

final as (

    select
        acquisition_channel,
        period_number,
        sum(cohort_size) as customers,
        cast(sum(retained_customers) as double precision) / sum(cohort_size) as retention_rate
    from complete_cells
    group by 1, 2

)

select * from final
order by acquisition_channel, period_number
