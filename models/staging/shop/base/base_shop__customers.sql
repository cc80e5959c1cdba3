-- every raw customer row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag
with

source as (

    select * from {{ source('shop', 'customers') }}

),

typed as (

    select
        cast(customer_id as {{ type_string() }}) as customer_id,
        cast(signup_at as {{ dbt.type_timestamp() }}) as signup_at_utc,
        cast(email as {{ type_string() }}) as email,
        upper(trim(cast(country as {{ type_string() }}))) as country_code,
        lower(trim(cast(acquisition_channel as {{ type_string() }}))) as acquisition_channel,
        coalesce(cast(is_test as boolean), false) as is_test,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at_utc,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

checked as (

    select
        *,
        case
            {{ id_problem('customer_id', 'missing_customer_id') }}
            {{ timestamp_problem('signup_at_utc', 'missing_signup_at') }}
            when is_test then 'test_account'
        end as quarantine_reason
    from typed

),

flagged as (

    select
        *,
        {{ is_duplicate('customer_id', 'updated_at_utc desc nulls last, _loaded_at desc, signup_at_utc') }} as is_duplicate
    from checked

)

select * from flagged
