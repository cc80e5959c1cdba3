-- the daily purchase funnel over all channels (metrics.md, "Activation and experiments"; definitions in
-- int_funnel_daily): customers per step and step conversion, plus the funnel traffic that stays anonymous
with

funnel_daily as (

    select * from {{ ref('int_funnel_daily') }}

),

with_traffic as (

    select
        *,
        anonymous_product_viewers + customers_viewed_product as product_view_traffic,
        anonymous_cart_adders + customers_added_to_cart as add_to_cart_traffic
    from funnel_daily
    where acquisition_channel = 'all'

),

final as (

    select
        funnel_date,
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
        funnel_conversion_rate,
        cast(anonymous_product_viewers as {{ dbt.type_int() }}) as anonymous_product_viewers,
        cast(anonymous_cart_adders as {{ dbt.type_int() }}) as anonymous_cart_adders,
        {{ safe_rate('anonymous_product_viewers', 'product_view_traffic') }} as anonymous_product_viewer_share,
        {{ safe_rate('anonymous_cart_adders', 'add_to_cart_traffic') }} as anonymous_cart_adder_share
    from with_traffic

)

select * from final
