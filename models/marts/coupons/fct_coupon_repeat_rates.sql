-- whether coupon buyers come back (docs: coupon_repeat_rates): the repeat-purchase rate within N days
-- (var('coupon_repeat_windows'); a purchase day 1..N after the first purchase day) of first orders with a coupon
-- against first orders without, within the same first-order channel and month, complete windows only, with the
-- difference and its 95% Wald interval
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

purchase_days as (

    select * from {{ ref('int_customer_purchase_days') }}

),

first_orders as (

    select
        customer_id,
        order_date as first_order_date,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as cohort_month,
        coalesce(order_channel, 'unknown') as order_channel,
        case when coupon_code is not null then 1 else 0 end as used_coupon
    from orders
    where is_first_order

),

windows as (

    {% for days in var('coupon_repeat_windows') -%}
    select {{ days }} as window_days
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

eligible as (

    select
        first_orders.*,
        windows.window_days
    from first_orders
    cross join windows
    where {{ dbt.dateadd('day', 'windows.window_days', 'first_orders.first_order_date') }} <= {{ as_of_date() }}

),

repeated as (

    select
        eligible.customer_id,
        eligible.window_days,
        max(case when {{ within_days_after('purchase_days.activity_date', 'eligible.first_order_date',
            'eligible.window_days') }} then 1 else 0 end) as has_repeat
    from eligible
    inner join purchase_days
        on eligible.customer_id = purchase_days.customer_id
    group by 1, 2

),

counted as (

    select
        eligible.order_channel,
        eligible.cohort_month,
        eligible.window_days,
        sum(eligible.used_coupon) as coupon_first_orders,
        sum(eligible.used_coupon * coalesce(repeated.has_repeat, 0)) as coupon_repeaters,
        sum(1 - eligible.used_coupon) as other_first_orders,
        sum((1 - eligible.used_coupon) * coalesce(repeated.has_repeat, 0)) as other_repeaters
    from eligible
    left join repeated
        on eligible.customer_id = repeated.customer_id
            and eligible.window_days = repeated.window_days
    group by 1, 2, 3

),

rates as (

    select
        *,
        {{ proportion('coupon_repeaters', 'coupon_first_orders') }} as coupon_repeat_rate,
        {{ proportion('other_repeaters', 'other_first_orders') }} as other_repeat_rate
    from counted

),

differences as (

    select
        *,
        coupon_repeat_rate - other_repeat_rate as repeat_rate_difference,
        {{ wald_standard_error('other_repeat_rate', 'other_first_orders', 'coupon_repeat_rate', 'coupon_first_orders') }}
            as standard_error
    from rates

),

final as (

    select
        cast(order_channel as {{ type_string() }}) as order_channel,
        cohort_month,
        cast(window_days as {{ dbt.type_int() }}) as window_days,
        cast(coupon_first_orders as {{ dbt.type_int() }}) as coupon_first_orders,
        cast(coupon_repeaters as {{ dbt.type_int() }}) as coupon_repeaters,
        coupon_repeat_rate,
        cast(other_first_orders as {{ dbt.type_int() }}) as other_first_orders,
        cast(other_repeaters as {{ dbt.type_int() }}) as other_repeaters,
        other_repeat_rate,
        repeat_rate_difference,
        {{ wald_interval_lower('repeat_rate_difference', 'standard_error') }} as difference_ci_lower,
        {{ wald_interval_upper('repeat_rate_difference', 'standard_error') }} as difference_ci_upper
    from differences

)

select * from final
