-- cart abandonment audience at as_of_date (metrics.md, "Activation and experiments"): an add-to-cart is abandoned
-- when no valid order of the customer containing that product was placed from the add-to-cart up to
-- cart_abandonment_window_hours (24) hours after it (inclusive). Evaluated at as_of_date: the add-to-carts whose
-- 24-hour window ends during as_of_date, i.e. made in the 24 hours before the start of as_of_date (the day
-- before, reporting time zone); so every window is complete, and over daily runs each add-to-cart is evaluated
-- exactly once. Only events known at the end of as_of_date count (int_audience_product_events): a late
-- add-to-cart received after it is never evaluated. A product added several times is judged on its latest
-- evaluated add-to-cart. One row per customer: the abandoned product with the highest list price (ties: the
-- latest added, then product id), with the count and list value of all their abandoned products.
{%- set window_hours = var('cart_abandonment_window_hours', 24) %}

with

product_events as (

    select * from {{ ref('int_audience_product_events') }}

),

ordered_products as (

    select * from {{ ref('int_audience_ordered_products') }}

),

evaluation_window as (

    select
        -- add-to-carts whose window of window_hours ends inside as_of_date (the end of as_of_date is midnight after it)
        cast({{ dbt.dateadd('hour', 24 - 2 * window_hours, as_of_date()) }} as {{ dbt.type_timestamp() }})
            as added_from,
        cast({{ dbt.dateadd('hour', 24 - window_hours, as_of_date()) }} as {{ dbt.type_timestamp() }})
            as added_before

),

latest_adds as (

    select
        product_events.customer_id,
        product_events.product_id,
        product_events.product_category,
        product_events.list_price_amount,
        max(product_events.occurred_at) as added_to_cart_at
    from product_events
    cross join evaluation_window
    where product_events.event_type = 'add_to_cart'
        and product_events.occurred_at >= evaluation_window.added_from
        and product_events.occurred_at < evaluation_window.added_before
    group by
        product_events.customer_id,
        product_events.product_id,
        product_events.product_category,
        product_events.list_price_amount

),

ordered_within as (

    select distinct
        latest_adds.customer_id,
        latest_adds.product_id
    from latest_adds
    inner join ordered_products
        on latest_adds.customer_id = ordered_products.customer_id
            and latest_adds.product_id = ordered_products.product_id
            and latest_adds.added_to_cart_at <= ordered_products.ordered_at
            and {{ dbt.dateadd('hour', window_hours, 'latest_adds.added_to_cart_at') }} >= ordered_products.ordered_at

),

abandoned as (

    select latest_adds.*
    from latest_adds
    left join ordered_within
        on latest_adds.customer_id = ordered_within.customer_id
            and latest_adds.product_id = ordered_within.product_id
    where ordered_within.customer_id is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by list_price_amount desc nulls last, added_to_cart_at desc, {{ bytewise('product_id') }}
        ) as product_rank,
        count(*) over (partition by customer_id) as abandoned_products,
        sum(list_price_amount) over (partition by customer_id) as abandoned_list_value
    from abandoned

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        customer_id,
        cast('cart_abandonment' as {{ type_string() }}) as audience_reason,
        product_id,
        product_category,
        cast(list_price_amount as {{ type_money() }}) as list_price_amount,
        added_to_cart_at,
        cast(abandoned_products as {{ dbt.type_int() }}) as abandoned_products,
        cast(abandoned_list_value as {{ type_money() }}) as abandoned_list_value
    from ranked
    where product_rank = 1

)

select * from final
