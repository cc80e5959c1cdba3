-- the customers that exist as of as_of_date: registered (or first seen, when inferred) on or before it
with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

final as (

    select
        customer_id,
        signup_at,
        signup_date,
        email_hash,
        coalesce(country_code, 'unknown') as country_code,
        coalesce(acquisition_channel, 'unknown') as acquisition_channel,
        is_inferred
    from customers
    where signup_date <= {{ as_of_date() }}

)

select * from final
