-- every raw order row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag
with

source as (

    select * from {{ source('shop', 'orders') }}

),

raw_customers as (

    select * from {{ source('shop', 'customers') }}

),

fx_rates as (

    select * from {{ source('shop', 'fx_rates') }}

),

test_customers as (

    select distinct cast(customer_id as {{ type_string() }}) as customer_id
    from raw_customers
    where cast(is_test as boolean)

),

-- a currency is known when the feed has a rate for it (or it is the reporting currency, always at rate 1);
-- the mean rate only sizes the outlier guard, revenue uses the daily rate (int_orders_enriched)
currency_levels as (

    select
        upper(trim(cast(currency as {{ type_string() }}))) as currency_code,
        avg(cast(rate_to_reporting as {{ type_rate() }})) as mean_rate
    from fx_rates
    where rate_to_reporting is not null and rate_to_reporting > 0
    group by 1

),

typed as (

    select
        cast(source.order_id as {{ type_string() }}) as order_id,
        cast(source.customer_id as {{ type_string() }}) as customer_id,
        cast(source.ordered_at as {{ dbt.type_timestamp() }}) as ordered_at_utc,
        upper(trim(coalesce(cast(source.currency as {{ type_string() }}), '{{ var("reporting_currency") }}'))) as currency_code,
        lower(trim(coalesce(cast(source.status as {{ type_string() }}), 'delivered'))) as order_status,
        cast(source.subtotal as {{ type_amount() }}) as subtotal_amount,
        cast(coalesce(source.discount, 0) as {{ type_amount() }}) as discount_amount,
        cast(coalesce(source.shipping, 0) as {{ type_amount() }}) as shipping_amount,
        cast(coalesce(source.tax, 0) as {{ type_amount() }}) as tax_amount,
        cast(source.refunded_amount as {{ type_amount() }}) as refunded_amount_raw,
        cast(source.refunded_at as {{ dbt.type_timestamp() }}) as refunded_at_utc,
        cast(source.cancelled_at as {{ dbt.type_timestamp() }}) as cancelled_at_utc,
        lower(trim(cast(source.channel as {{ type_string() }}))) as order_channel,
        cast(source.coupon_code as {{ type_string() }}) as coupon_code,
        cast(source.shipped_at as {{ dbt.type_timestamp() }}) as shipped_at_utc,
        cast(source.delivered_at as {{ dbt.type_timestamp() }}) as delivered_at_utc,
        coalesce(cast(source.is_test as boolean), false) as is_test,
        cast(source.updated_at as {{ dbt.type_timestamp() }}) as updated_at_utc,
        cast(source._loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

checked as (

    select
        typed.*,
        case
            {{ id_problem('typed.order_id', 'missing_order_id') }}
            {{ id_problem('typed.customer_id', 'missing_customer_id') }}
            when test_customers.customer_id is not null then 'test_account'
            when typed.is_test then 'test_order'
            {{ timestamp_problem('typed.ordered_at_utc', 'missing_ordered_at') }}
            when typed.order_status not in (
                    'placed', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded', 'partially_refunded'
                ) then 'unknown_status'
            when typed.currency_code <> '{{ var("reporting_currency") }}' and currency_levels.currency_code is null
                then 'unknown_currency'
            when typed.subtotal_amount is null then 'missing_subtotal'
            when typed.subtotal_amount < 0 or typed.discount_amount < 0 or typed.shipping_amount < 0
                or typed.tax_amount < 0 or coalesce(typed.refunded_amount_raw, 0) < 0 then 'negative_amount'
            when typed.subtotal_amount * coalesce(currency_levels.mean_rate, 1) > {{ var('max_order_amount') }}
                then 'outlier_amount'
        end as quarantine_reason
    from typed
    left join test_customers
        on typed.customer_id = test_customers.customer_id
    left join currency_levels
        on typed.currency_code = currency_levels.currency_code

),

flagged as (

    select
        *,
        {{ is_duplicate('order_id', 'updated_at_utc desc nulls last, _loaded_at desc, order_status desc') }} as is_duplicate
    from checked

)

select * from flagged
