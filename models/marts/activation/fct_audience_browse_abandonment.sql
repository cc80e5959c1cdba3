-- browse abandonment audience at as_of_date (metrics.md, "Activation and experiments"): customers who viewed the
-- same product at least browse_abandonment_min_views (3) times in the browse_abandonment_window_hours (24) hours
-- before the end of as_of_date (reporting time zone) and placed no valid order containing that product in the
-- same window. Only events known at the end of as_of_date count (int_audience_product_events), so the audience
-- is reproducible. One row per customer: the product viewed most (ties: the latest viewed, then product id).
{%- set min_views = var('browse_abandonment_min_views', 3) %}
{%- set window_hours = var('browse_abandonment_window_hours', 24) %}

with

product_events as (

    select * from {{ ref('int_audience_product_events') }}

),

ordered_products as (

    select * from {{ ref('int_audience_ordered_products') }}

),

evaluation_window as (

    select
        -- the end of as_of_date is midnight after it; the window is the window_hours before it
        cast({{ dbt.dateadd('hour', 24 - window_hours, as_of_date()) }} as {{ dbt.type_timestamp() }})
            as window_start_at,
        cast({{ dbt.dateadd('day', 1, as_of_date()) }} as {{ dbt.type_timestamp() }})
            as window_end_at

),

product_views as (

    select
        product_events.customer_id,
        product_events.product_id,
        product_events.product_category,
        product_events.list_price_amount,
        count(*) as product_views,
        min(product_events.occurred_at) as first_viewed_at,
        max(product_events.occurred_at) as last_viewed_at
    from product_events
    cross join evaluation_window
    where product_events.event_type = 'product_view'
        and product_events.occurred_at >= evaluation_window.window_start_at
        and product_events.occurred_at < evaluation_window.window_end_at
    group by
        product_events.customer_id,
        product_events.product_id,
        product_events.product_category,
        product_events.list_price_amount

),

ordered_in_window as (

    select distinct
        ordered_products.customer_id,
        ordered_products.product_id
    from ordered_products
    cross join evaluation_window
    where ordered_products.ordered_at >= evaluation_window.window_start_at
        and ordered_products.ordered_at < evaluation_window.window_end_at

),

abandoned as (

    select product_views.*
    from product_views
    left join ordered_in_window
        on product_views.customer_id = ordered_in_window.customer_id
            and product_views.product_id = ordered_in_window.product_id
    where product_views.product_views >= {{ min_views }}
        and ordered_in_window.customer_id is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by product_views desc, last_viewed_at desc, {{ bytewise('product_id') }}
        ) as product_rank,
        count(*) over (partition by customer_id) as abandoned_products
    from abandoned

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        customer_id,
        cast('browse_abandonment' as {{ type_string() }}) as audience_reason,
        product_id,
        product_category,
        cast(list_price_amount as {{ type_money() }}) as list_price_amount,
        cast(product_views as {{ dbt.type_int() }}) as product_views,
        first_viewed_at,
        last_viewed_at,
        cast(abandoned_products as {{ dbt.type_int() }}) as abandoned_products
    from ranked
    where product_rank = 1

)

select * from final
