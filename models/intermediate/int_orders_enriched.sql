-- valid orders as of as_of_date with net revenue in the reporting currency, sequence and gaps
-- (metrics.md, "Orders and revenue")
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

fx_rate_spans as (

    select * from {{ ref('int_fx_rate_spans') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

items_per_order as (

    select
        order_id,
        count(*) as item_lines,
        sum(quantity) as item_quantity
    from order_items
    group by 1

),

-- a valid order: a trusted order of a customer that exists as of as_of_date, placed on or before it, and not
-- cancelled on or before it (test orders, test customers and unknown currencies never reach this point)
valid_orders as (

    select orders.*
    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    where orders.order_date <= {{ as_of_date() }}
        and not coalesce(cast(orders.cancelled_at as date) <= {{ as_of_date() }}, false)

),

-- net revenue = subtotal - discount - refunds made on or before as_of_date (a refund with no date counts from
-- the order date), never negative, converted at the latest rate on or before the order date
converted as (

    select
        valid_orders.*,
        cast(case
            when valid_orders.refunded_at is null
                or cast(valid_orders.refunded_at as date) <= {{ as_of_date() }}
                then valid_orders.refunded_amount
            else 0
        end as {{ type_amount() }}) as refund_applied_amount,
        case
            when valid_orders.currency_code = '{{ var("reporting_currency") }}' then cast(1 as {{ type_fx_rate() }})
            else fx_rate_spans.rate_to_reporting
        end as fx_rate
    from valid_orders
    left join fx_rate_spans
        on valid_orders.currency_code = fx_rate_spans.currency_code
            and valid_orders.order_date >= fx_rate_spans.valid_from
            and (fx_rate_spans.valid_to is null or valid_orders.order_date < fx_rate_spans.valid_to)

),

net as (

    select
        *,
        cast(case
            when subtotal_amount - discount_amount - refund_applied_amount > 0
                then subtotal_amount - discount_amount - refund_applied_amount
            else 0
        end as {{ type_amount() }}) as net_revenue_local
    from converted

),

sequenced as (

    select
        net.order_id,
        net.customer_id,
        net.ordered_at,
        net.order_date,
        row_number() over (
            partition by net.customer_id
            order by net.ordered_at, {{ bytewise('net.order_id') }}
        ) as order_sequence,
        lag(net.order_date) over (
            partition by net.customer_id
            order by net.ordered_at, {{ bytewise('net.order_id') }}
        ) as previous_order_date,
        net.order_status,
        net.order_channel,
        net.currency_code,
        net.fx_rate,
        net.subtotal_amount,
        net.discount_amount,
        net.refund_applied_amount,
        net.net_revenue_local,
        cast(net.net_revenue_local * net.fx_rate as {{ type_money() }}) as net_revenue,
        net.coupon_code,
        (net.discount_amount > 0 or net.coupon_code is not null) as has_discount,
        net.shipped_at,
        net.delivered_at,
        case
            when net.delivered_at is not null and cast(net.delivered_at as date) <= {{ as_of_date() }}
                then {{ dbt.datediff('net.order_date', 'cast(net.delivered_at as date)', 'day') }}
        end as delivery_days,
        coalesce(items_per_order.item_lines, 0) as item_lines,
        coalesce(items_per_order.item_quantity, 0) as item_quantity
    from net
    left join items_per_order
        on net.order_id = items_per_order.order_id

),

final as (

    select
        *,
        order_sequence = 1 as is_first_order,
        {{ dbt.datediff('previous_order_date', 'order_date', 'day') }}
            as days_since_previous_order
    from sequenced

)

select * from final
