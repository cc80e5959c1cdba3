-- retention in brackets of days since the cohort day (metrics.md, "Cohort retention"; issue 24): per cohort day,
-- the cohort customers active on at least one day cohort_date + first .. cohort_date + last of each bracket of
-- var('retention_brackets'), on both cohort bases and both activity bases. A bracket that has not started is not
-- emitted; one in progress has its customers so far and a null rate (docs: retention_brackets)
with

cohorts as (

    select * from {{ ref('int_customer_cohorts') }}

),

cohort_activity as (

    select * from {{ ref('int_cohort_activity_days') }}

),

brackets as (

    {{ retention_bracket_rows() }}

),

activity_bases as (

    select cast('any_activity' as {{ type_string() }}) as activity_basis
    union all
    select cast('purchase' as {{ type_string() }}) as activity_basis

),

-- each cohort day's size and the days observed since it (0 on as_of_date), so the brackets join on two columns
cohort_sizes as (

    select
        cohort_basis,
        cohort_date,
        count(*) as cohort_size,
        {{ dbt.datediff('cohort_date', as_of_date(), 'day') }}
            as days_observed
    from cohorts
    group by cohort_basis, cohort_date

),

-- the counted active days (on or after the cohort date, int_cohort_activity_days) that some bracket reaches
activity_day_numbers as (

    select
        cohort_basis,
        activity_basis,
        customer_id,
        cohort_date,
        {{ dbt.datediff('cohort_date', 'activity_date', 'day') }}
            as day_number
    from cohort_activity
    where activity_date > cohort_date
        and activity_date <= {{ dbt.dateadd('day', retention_brackets_last_day(), 'cohort_date') }}

),

-- retained: a customer active on one day or on several days of a bracket counts once
bracket_counts as (

    select
        activity_day_numbers.cohort_basis,
        activity_day_numbers.activity_basis,
        activity_day_numbers.cohort_date,
        brackets.bracket_number,
        count(distinct activity_day_numbers.customer_id) as retained_customers
    from activity_day_numbers
    inner join brackets
        on activity_day_numbers.day_number >= brackets.bracket_first_day
            and activity_day_numbers.day_number <= brackets.bracket_last_day
    group by
        activity_day_numbers.cohort_basis,
        activity_day_numbers.activity_basis,
        activity_day_numbers.cohort_date,
        brackets.bracket_number

),

-- dense: every started bracket (its first day on or before as_of_date) of every cohort day, for both activity bases
spine as (

    select
        cohort_sizes.cohort_basis,
        activity_bases.activity_basis,
        cohort_sizes.cohort_date,
        cohort_sizes.cohort_size,
        brackets.bracket,
        brackets.bracket_number,
        brackets.bracket_first_day,
        brackets.bracket_last_day,
        brackets.bracket_last_day <= cohort_sizes.days_observed as is_complete
    from cohort_sizes
    cross join activity_bases
    inner join brackets
        on cohort_sizes.days_observed >= brackets.bracket_first_day

),

final as (

    select
        spine.cohort_basis,
        spine.activity_basis,
        spine.cohort_date,
        spine.bracket,
        cast(spine.bracket_number as {{ dbt.type_int() }}) as bracket_number,
        cast(spine.bracket_first_day as {{ dbt.type_int() }}) as bracket_first_day,
        cast(spine.bracket_last_day as {{ dbt.type_int() }}) as bracket_last_day,
        cast(spine.cohort_size as {{ dbt.type_int() }}) as cohort_size,
        cast(coalesce(bracket_counts.retained_customers, 0) as {{ dbt.type_int() }}) as retained_customers,
        case
            when spine.is_complete
                then {{ safe_rate('coalesce(bracket_counts.retained_customers, 0)', 'spine.cohort_size') }}
        end as retention_rate,
        spine.is_complete
    from spine
    left join bracket_counts
        on spine.cohort_basis = bracket_counts.cohort_basis
            and spine.activity_basis = bracket_counts.activity_basis
            and spine.cohort_date = bracket_counts.cohort_date
            and spine.bracket_number = bracket_counts.bracket_number

)

select * from final
