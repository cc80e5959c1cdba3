-- every raw assignment row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag
with

source as (

    select * from {{ source('shop', 'experiment_assignments') }}

),

raw_customers as (

    select * from {{ source('shop', 'customers') }}

),

test_customers as (

    select distinct cast(customer_id as {{ type_string() }}) as customer_id
    from raw_customers
    where cast(is_test as boolean)

),

typed as (

    select
        cast(source.customer_id as {{ type_string() }}) as customer_id,
        cast(source.experiment_id as {{ type_string() }}) as experiment_id,
        lower(trim(cast(source.variant as {{ type_string() }}))) as variant,
        cast(source.assigned_at as {{ dbt.type_timestamp() }}) as assigned_at_utc,
        cast(source._loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

checked as (

    select
        typed.*,
        case
            {{ id_problem('typed.customer_id', 'missing_customer_id') }}
            {{ id_problem('typed.experiment_id', 'missing_experiment_id') }}
            when typed.variant is null then 'missing_variant'
            when test_customers.customer_id is not null then 'test_account'
            {{ timestamp_problem('typed.assigned_at_utc', 'missing_assigned_at') }}
        end as quarantine_reason
    from typed
    left join test_customers
        on typed.customer_id = test_customers.customer_id

),

-- a customer keeps their first assignment to an experiment; later re-assignments are duplicates
flagged as (

    select
        *,
        {{ is_duplicate('customer_id, experiment_id', 'assigned_at_utc, variant') }} as is_duplicate
    from checked

)

select * from flagged
