-- one row per customer and known category they bought or viewed up to as_of_date: net revenue (the lines' share
-- of their orders' net revenue), units and last purchase day; product views and last view day; and the category's
-- rank among the customer's categories by net revenue and by product views. Ties: net revenue (views) descending,
-- then the more recent purchase (view) day, then the category name byte-wise; ranks are null where the customer
-- never bought (viewed) the category. Products without a known category are left out.
with

order_lines as (

    select * from {{ ref('int_p13n_order_lines') }}

),

event_hours as (

    select * from {{ ref('int_p13n_customer_event_hours') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

purchased as (

    select
        customer_id,
        category,
        sum(line_net_revenue) as net_revenue,
        sum(quantity) as units,
        max(order_date) as last_purchase_date
    from order_lines
    where category <> 'unknown'
    group by 1, 2

),

viewed as (

    select
        event_hours.customer_id,
        products.category,
        sum(event_hours.events) as product_views,
        max(event_hours.event_date) as last_view_date
    from event_hours
    inner join products
        on event_hours.product_id = products.product_id
    where event_hours.event_type = 'product_view'
        and products.category <> 'unknown'
    group by 1, 2

),

unioned as (

    select
        customer_id,
        category,
        net_revenue,
        units,
        last_purchase_date,
        0 as product_views,
        cast(null as date) as last_view_date
    from purchased
    union all
    select
        customer_id,
        category,
        cast(0 as {{ type_money() }}) as net_revenue,
        0 as units,
        cast(null as date) as last_purchase_date,
        product_views,
        last_view_date
    from viewed

),

combined as (

    select
        customer_id,
        category,
        cast(sum(net_revenue) as {{ type_money() }}) as net_revenue,
        sum(units) as units,
        max(last_purchase_date) as last_purchase_date,
        sum(product_views) as product_views,
        max(last_view_date) as last_view_date
    from unioned
    group by 1, 2

),

-- categories never bought (viewed) sort after the others, and lose their rank below
ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by
                case when units > 0 then 0 else 1 end,
                net_revenue desc,
                last_purchase_date desc,
                {{ bytewise('category') }}
        ) as revenue_order,
        row_number() over (
            partition by customer_id
            order by
                case when product_views > 0 then 0 else 1 end,
                product_views desc,
                last_view_date desc,
                {{ bytewise('category') }}
        ) as views_order
    from combined

),

final as (

    select
        customer_id,
        category,
        net_revenue,
        cast(units as {{ dbt.type_int() }}) as units,
        last_purchase_date,
        cast(product_views as {{ dbt.type_int() }}) as product_views,
        last_view_date,
        case when units > 0 then revenue_order end as revenue_rank,
        case when product_views > 0 then views_order end as views_rank
    from ranked

)

select * from final
