-- the points a shop without a supplied ledger has issued and redeemed, by the documented rules (docs:
-- loyalty_ledger_rules; vars of dbt_project.yml, "loyalty"), up to as_of_date; expiries are added by
-- int_loyalty_ledger_derived. One row per entry:
--   earn_signup  loyalty_points_signup on the signup day
--   earn_order   floor(loyalty_points_per_currency_unit x (subtotal - discount) in the reporting currency) per valid order
--   adjust       the points of a refund reversed: earn_order minus the points of the net revenue after refunds
--   earn_review  loyalty_points_per_review per event of loyalty_review_event_types (per customer and day)
--   earn_share   loyalty_points_per_share per event of loyalty_share_event_types (per customer and day)
--   redeem       an order whose coupon code starts with loyalty_redemption_coupon_prefix paid its discount in
--                points: - round(discount in the reporting currency / loyalty_redemption_value)
{%- set rate = var('loyalty_points_per_currency_unit') %}
{%- set prefix = var('loyalty_redemption_coupon_prefix') %}

with

customers as (

    select * from {{ ref('int_customers') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

staged_orders as (

    select * from {{ ref('stg_shop__orders') }}

),

event_hours as (

    select * from {{ ref('stg_shop__event_hours') }}

),

identity_map as (

    select * from {{ ref('stg_shop__identity_map') }}

),

signups as (

    select
        {{ dbt.concat(["'derived:earn_signup:'", 'customer_id']) }} as entry_id,
        customer_id,
        cast(null as {{ type_string() }}) as order_id,
        'earn_signup' as entry_reason,
        cast({{ var('loyalty_points_signup') }} as {{ dbt.type_bigint() }}) as points,
        signup_at as occurred_at
    from customers
    where {{ var('loyalty_points_signup') }} > 0
        and signup_date <= {{ as_of_date() }}

),

order_points as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        coalesce(staged_orders.refunded_at, orders.ordered_at) as refunded_at,
        orders.refund_applied_amount,
        cast(floor(
            case when orders.subtotal_amount > orders.discount_amount
                    then (orders.subtotal_amount - orders.discount_amount) * orders.fx_rate * {{ rate }}
                else 0
            end
        ) as {{ dbt.type_bigint() }}) as earned_points,
        cast(floor(orders.net_revenue * {{ rate }}) as {{ dbt.type_bigint() }}) as kept_points,
        case when orders.coupon_code like '{{ prefix }}%'
                then cast(
                        round(orders.discount_amount * orders.fx_rate / {{ var('loyalty_redemption_value') }}, 0)
                        as {{ dbt.type_bigint() }}
                    )
            else 0
        end as redeemed_points
    from orders
    left join staged_orders
        on orders.order_id = staged_orders.order_id

),

order_entries as (

    select
        {{ dbt.concat(["'derived:earn_order:'", 'order_id']) }} as entry_id,
        customer_id,
        order_id,
        'earn_order' as entry_reason,
        earned_points as points,
        ordered_at as occurred_at
    from order_points
    where earned_points > 0

    union all

    -- a refunded order's points are reversed when the refund counts (on or before as_of_date)
    select
        {{ dbt.concat(["'derived:adjust:'", 'order_id']) }} as entry_id,
        customer_id,
        order_id,
        'adjust' as entry_reason,
        kept_points - earned_points as points,
        refunded_at as occurred_at
    from order_points
    where refund_applied_amount > 0 and kept_points < earned_points

    union all

    select
        {{ dbt.concat(["'derived:redeem:'", 'order_id']) }} as entry_id,
        customer_id,
        order_id,
        'redeem' as entry_reason,
        -redeemed_points as points,
        ordered_at as occurred_at
    from order_points
    where redeemed_points > 0

),

-- review and share events of each customer per day, after identity stitching
event_counts as (

    select
        {{ stitched_customer_id('event_hours') }} as customer_id,
        event_hours.event_date,
        case
            when event_hours.event_type in ('{{ var("loyalty_review_event_types") | join("', '") }}') then 'earn_review'
            else 'earn_share'
        end as entry_reason,
        sum(event_hours.events) as events
    from event_hours
    left join identity_map
        on event_hours.anonymous_id = identity_map.anonymous_id
    where event_hours.event_date <= {{ as_of_date() }}
        and event_hours.event_type in (
            {%- for event_type in var("loyalty_review_event_types") + var("loyalty_share_event_types") %}
            '{{ event_type }}'{{ "," if not loop.last }}
            {%- endfor %}
        )
    group by 1, 2, 3

),

event_entries as (

    select
        {{ dbt.concat(["'derived:'", 'event_counts.entry_reason', "':'", 'event_counts.customer_id', "':'",
            dbt.safe_cast('event_counts.event_date', type_string())]) }} as entry_id,
        event_counts.customer_id,
        cast(null as {{ type_string() }}) as order_id,
        event_counts.entry_reason,
        cast(floor(event_counts.events * case
            when event_counts.entry_reason = 'earn_review' then {{ var('loyalty_points_per_review') }}
            else {{ var('loyalty_points_per_share') }}
        end) as {{ dbt.type_bigint() }}) as points,
        cast(event_counts.event_date as {{ dbt.type_timestamp() }}) as occurred_at
    from event_counts
    inner join customers
        on event_counts.customer_id = customers.customer_id

),

unioned as (

    select * from signups
    union all
    select * from order_entries
    union all
    select * from event_entries

),

final as (

    select
        cast(entry_id as {{ type_string() }}) as entry_id,
        customer_id,
        order_id,
        cast(entry_reason as {{ type_string() }}) as entry_reason,
        points,
        occurred_at,
        cast(occurred_at as date) as entry_date
    from unioned
    where points <> 0

)

select * from final
