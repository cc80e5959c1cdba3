-- each fx rate with the days it applies to: from its rate_date until the next rate of the currency; the first
-- rate of a currency also covers earlier days (an order older than the feed's first rate uses that first rate)
with

fx_rates as (

    select * from {{ ref('stg_shop__fx_rates') }}

),

spans as (

    select
        currency_code,
        rate_to_reporting,
        rate_date,
        case
            when row_number() over (partition by currency_code order by rate_date) = 1
                then cast('1900-01-01' as date)
            else rate_date
        end as valid_from,
        lead(rate_date) over (partition by currency_code order by rate_date) as valid_to
    from fx_rates
    where currency_code <> '{{ var("reporting_currency") }}'

)

select * from spans
