-- every raw fx rate row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag
with

source as (

    select * from {{ source('shop', 'fx_rates') }}

),

typed as (

    select
        cast(rate_date as date) as rate_date,
        upper(trim(cast(currency as {{ type_string() }}))) as currency_code,
        cast(rate_to_reporting as {{ type_fx_rate() }}) as rate_to_reporting,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

checked as (

    select
        *,
        case
            when rate_date is null then 'missing_rate_date'
            when currency_code is null then 'missing_currency'
            when not coalesce({{ regex_full_match('currency_code', '^[A-Z]{3}$') }}, false) then 'invalid_currency'
            when rate_to_reporting is null or rate_to_reporting <= 0 then 'invalid_rate'
        end as quarantine_reason
    from typed

),

flagged as (

    select
        *,
        {{ is_duplicate('rate_date, currency_code', '_loaded_at desc, rate_to_reporting') }} as is_duplicate
    from checked

)

select * from flagged
