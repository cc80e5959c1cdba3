with

base as (

    select * from {{ ref('base_shop__experiment_assignments') }}

),

kept as (

    select
        customer_id,
        experiment_id,
        variant,
        {{ to_reporting_tz('assigned_at_utc') }} as assigned_at,
        cast({{ to_reporting_tz('assigned_at_utc') }} as date) as assigned_date,
        _loaded_at
    from base
    where quarantine_reason is null and not is_duplicate

)

select * from kept
