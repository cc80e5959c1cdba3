with

base as (

    select * from {{ ref('base_shop__fx_rates') }}

),

kept as (

    select
        rate_date,
        currency_code,
        rate_to_reporting,
        _loaded_at
    from base
    where quarantine_reason is null and not is_duplicate

)

select * from kept
