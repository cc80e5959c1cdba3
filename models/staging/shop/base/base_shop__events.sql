-- every raw event row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag
with

source as (

    select * from {{ source('shop', 'events') }}

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
        cast(source.event_id as {{ type_string() }}) as event_id,
        cast(source.occurred_at as {{ dbt.type_timestamp() }}) as occurred_at_utc,
        lower(trim(cast(source.event_type as {{ type_string() }}))) as event_type,
        cast(source.customer_id as {{ type_string() }}) as customer_id,
        cast(source.anonymous_id as {{ type_string() }}) as anonymous_id,
        cast(source.session_id as {{ type_string() }}) as session_id,
        cast(source.product_id as {{ type_string() }}) as product_id,
        cast(source.received_at as {{ dbt.type_timestamp() }}) as received_at_utc,
        cast(source.properties as {{ type_string() }}) as properties,
        cast(source._loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

checked as (

    select
        typed.*,
        case
            {{ id_problem('typed.event_id', 'missing_event_id') }}
            when typed.event_type is null then 'missing_event_type'
            when not coalesce({{ regex_full_match('typed.event_type', var('event_type_pattern')) }}, false)
                then 'invalid_event_type'
            when typed.customer_id is not null and not {{ is_valid_id('typed.customer_id') }} then 'invalid_id'
            when typed.anonymous_id is not null and not {{ is_valid_id('typed.anonymous_id') }} then 'invalid_id'
            when test_customers.customer_id is not null then 'test_account'
            {{ timestamp_problem('typed.occurred_at_utc', 'missing_occurred_at') }}
        end as quarantine_reason
    from typed
    left join test_customers
        on typed.customer_id = test_customers.customer_id

),

flagged as (

    select
        *,
        {{ is_duplicate('event_id', 'received_at_utc nulls last, _loaded_at, occurred_at_utc, event_type') }} as is_duplicate
    from checked

)

select * from flagged
