with

base as (

    select * from {{ ref('base_shop__orders') }}

),

kept as (

    select
        order_id,
        customer_id,
        {{ to_reporting_tz('ordered_at_utc') }} as ordered_at,
        cast({{ to_reporting_tz('ordered_at_utc') }} as date) as order_date,
        order_status,
        currency_code,
        subtotal_amount,
        discount_amount,
        shipping_amount,
        tax_amount,
        -- a refunded order with no amount is refunded in full (subtotal - discount)
        cast(case
            when refunded_amount_raw is null and order_status = 'refunded' then subtotal_amount - discount_amount
            else coalesce(refunded_amount_raw, 0)
        end as {{ type_amount() }}) as refunded_amount,
        {{ to_reporting_tz('refunded_at_utc') }} as refunded_at,
        -- an order with status cancelled and no cancelled_at is cancelled from the start (metrics.md)
        case
            when cancelled_at_utc is not null then {{ to_reporting_tz('cancelled_at_utc') }}
            when order_status = 'cancelled' then {{ to_reporting_tz('ordered_at_utc') }}
        end as cancelled_at,
        coalesce(order_channel, 'unknown') as order_channel,
        coupon_code,
        {{ to_reporting_tz('shipped_at_utc') }} as shipped_at,
        {{ to_reporting_tz('delivered_at_utc') }} as delivered_at,
        updated_at_utc,
        _loaded_at
    from base
    where quarantine_reason is null and not is_duplicate

)

select * from kept
