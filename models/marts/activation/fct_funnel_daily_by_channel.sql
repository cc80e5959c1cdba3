-- the daily purchase funnel per acquisition channel (metrics.md, "Activation and experiments"; definitions in
-- int_funnel_daily); every customer has one channel, so the channels of a day add up to fct_funnel_daily
with

funnel_daily as (

    select * from {{ ref('int_funnel_daily') }}

),

final as (

    select
        funnel_date,
        acquisition_channel,
        cast(customers_viewed_product as {{ dbt.type_int() }}) as customers_viewed_product,
        cast(customers_added_to_cart as {{ dbt.type_int() }}) as customers_added_to_cart,
        cast(customers_started_checkout as {{ dbt.type_int() }}) as customers_started_checkout,
        cast(customers_ordered as {{ dbt.type_int() }}) as customers_ordered,
        cast(customers_viewed_and_added as {{ dbt.type_int() }}) as customers_viewed_and_added,
        cast(customers_added_and_checked_out as {{ dbt.type_int() }}) as customers_added_and_checked_out,
        cast(customers_checked_out_and_ordered as {{ dbt.type_int() }}) as customers_checked_out_and_ordered,
        cast(customers_completed_funnel as {{ dbt.type_int() }}) as customers_completed_funnel,
        view_to_cart_rate,
        cart_to_checkout_rate,
        checkout_to_order_rate,
        funnel_conversion_rate
    from funnel_daily
    where acquisition_channel != 'all'

)

select * from final
