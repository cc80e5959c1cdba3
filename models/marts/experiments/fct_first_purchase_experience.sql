-- first-purchase experience (metrics.md, "First-purchase experience"): retention of the first-order cohort sliced by
-- the first order's attributes (int_first_order_attributes), so that a low day-7 retention can be traced to its
-- cause. Per slice: within-7 and within-30 retention (active on any day 1..N after the first order day, the
-- headline window figures) and the 90-day repeat-purchase rate (a purchase day 1..90 after the first); each over
-- the customers whose window is complete (first order day + N <= as_of_date). Long format: slice_type 'all'
-- (one row), 'delivery_days', 'discount_used', 'order_channel', 'top_category'.
{%- set retention_windows = [7, 30] %}
{%- set repeat_windows = [90] %}
{%- set longest_window = (retention_windows + repeat_windows) | max %}

with

first_orders as (

    select * from {{ ref('int_first_order_attributes') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

customer_outcomes as (

    select
        first_orders.customer_id,
        {% for days in retention_windows %}
        case when {{ window_complete('first_orders.first_order_date', days) }} then 1 else 0 end
            as is_eligible_{{ days }}d,
        max(case
            when {{ within_days_after('activity_days.activity_date', 'first_orders.first_order_date', days) }}
                then 1
            else 0
        end) as is_retained_{{ days }}d,
        {% endfor %}
        {% for days in repeat_windows %}
        case when {{ window_complete('first_orders.first_order_date', days) }} then 1 else 0 end
            as is_eligible_{{ days }}d,
        max(case
            when activity_days.is_purchase_day
                and {{ within_days_after('activity_days.activity_date', 'first_orders.first_order_date', days) }}
                then 1
            else 0
        end) as has_repeat_purchase_{{ days }}d,
        {% endfor %}
        first_orders.first_order_date
    from first_orders
    left join activity_days
        on first_orders.customer_id = activity_days.customer_id
            and first_orders.first_order_date < activity_days.activity_date
            and activity_days.activity_date <= {{ dbt.dateadd('day', longest_window, 'first_orders.first_order_date') }}
    group by first_orders.customer_id, first_orders.first_order_date

),

with_attributes as (

    select
        customer_outcomes.*,
        first_orders.delivery_days_bucket,
        first_orders.has_discount,
        first_orders.order_channel,
        first_orders.top_category
    from customer_outcomes
    inner join first_orders
        on customer_outcomes.customer_id = first_orders.customer_id

),

sliced as (

    select
        cast('all' as {{ type_string() }}) as slice_type,
        cast('all' as {{ type_string() }}) as slice_value,
        *
    from with_attributes
    union all
    select
        cast('delivery_days' as {{ type_string() }}) as slice_type,
        delivery_days_bucket as slice_value,
        *
    from with_attributes
    union all
    select
        cast('discount_used' as {{ type_string() }}) as slice_type,
        case when has_discount then 'true' else 'false' end as slice_value,
        *
    from with_attributes
    union all
    select
        cast('order_channel' as {{ type_string() }}) as slice_type,
        order_channel as slice_value,
        *
    from with_attributes
    union all
    select
        cast('top_category' as {{ type_string() }}) as slice_type,
        top_category as slice_value,
        *
    from with_attributes

),

slice_counts as (

    select
        slice_type,
        slice_value,
        count(*) as first_order_customers,
        sum(is_eligible_7d) as eligible_customers_7d,
        sum(is_eligible_7d * is_retained_7d) as retained_customers_7d,
        sum(is_eligible_30d) as eligible_customers_30d,
        sum(is_eligible_30d * is_retained_30d) as retained_customers_30d,
        sum(is_eligible_90d) as eligible_customers_90d,
        sum(is_eligible_90d * has_repeat_purchase_90d) as repeat_customers_90d
    from sliced
    group by 1, 2

),

final as (

    select
        slice_type,
        slice_value,
        cast(first_order_customers as {{ dbt.type_int() }}) as first_order_customers,
        cast(eligible_customers_7d as {{ dbt.type_int() }}) as eligible_customers_7d,
        cast(retained_customers_7d as {{ dbt.type_int() }}) as retained_customers_7d,
        {{ safe_rate('retained_customers_7d', 'eligible_customers_7d') }} as within_7d_retention,
        cast(eligible_customers_30d as {{ dbt.type_int() }}) as eligible_customers_30d,
        cast(retained_customers_30d as {{ dbt.type_int() }}) as retained_customers_30d,
        {{ safe_rate('retained_customers_30d', 'eligible_customers_30d') }} as within_30d_retention,
        cast(eligible_customers_90d as {{ dbt.type_int() }}) as eligible_customers_90d,
        cast(repeat_customers_90d as {{ dbt.type_int() }}) as repeat_customers_90d,
        {{ safe_rate('repeat_customers_90d', 'eligible_customers_90d') }} as repeat_rate_90d
    from slice_counts

)

select * from final
