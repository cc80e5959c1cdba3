-- customer profile (用户画像) as of as_of_date, one row per customer that exists (docs: customer_profile):
-- preferred categories by net revenue and by product views, price band, discount sensitivity, preferred order
-- channel and event device, most active weekday and hour of day, purchase rhythm and tenure
with

customers as (

    select * from {{ ref('int_customers') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

order_lines as (

    select * from {{ ref('int_p13n_order_lines') }}

),

customer_categories as (

    select * from {{ ref('int_p13n_customer_categories') }}

),

event_hours as (

    select * from {{ ref('int_p13n_customer_event_hours') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

purchase_rhythm as (

    select * from {{ ref('int_customer_purchase_rhythm') }}

),

-- preferred categories: the top 3 by net revenue and the top 3 by product views (ties in int_p13n_customer_categories)
category_preferences as (

    select
        customer_id,
        max(case when revenue_rank = 1 then category end) as top_category_by_revenue_1,
        max(case when revenue_rank = 2 then category end) as top_category_by_revenue_2,
        max(case when revenue_rank = 3 then category end) as top_category_by_revenue_3,
        max(case when views_rank = 1 then category end) as top_category_by_views_1,
        max(case when views_rank = 2 then category end) as top_category_by_views_2,
        max(case when views_rank = 3 then category end) as top_category_by_views_3
    from customer_categories
    group by 1

),

-- price band: a unit's price index is the unit price paid / the median list price of its category in the catalogue;
-- the customer's average price index (per unit) is compared with the catalogue's terciles of the same index
category_prices as (

    select
        category,
        {{ median('cast(list_price_amount as ' ~ type_rate() ~ ')') }} as median_list_price
    from products
    where category <> 'unknown'
        and list_price_amount > 0
    group by 1

),

catalogue_positions as (

    select
        products.product_id,
        cast(products.list_price_amount as {{ type_rate() }}) / category_prices.median_list_price as price_index
    from products
    inner join category_prices
        on products.category = category_prices.category
    where products.list_price_amount > 0

),

price_band_cuts as (

    select
        {{ p13n_percentile('price_index', '1.0 / 3') }} as lower_tercile,
        {{ p13n_percentile('price_index', '2.0 / 3') }} as upper_tercile
    from catalogue_positions

),

-- each line's units x price index is rounded to 12 decimal places and summed as a decimal: a sum of doubles depends
-- on the order the engine happens to add them in, so two builds of the same data would differ in the last digits
customer_prices as (

    select
        order_lines.customer_id,
        cast(sum(cast(
            order_lines.quantity * cast(order_lines.unit_price as {{ type_rate() }}) / category_prices.median_list_price
            as decimal(38, 12)
        )) as {{ type_rate() }})
        / sum(order_lines.quantity) as average_price_index
    from order_lines
    inner join category_prices
        on order_lines.category = category_prices.category
    group by 1

),

order_summary as (

    select
        customer_id,
        count(*) as lifetime_orders,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        sum(case when has_discount then 1 else 0 end) as discounted_orders
    from orders
    group by 1

),

-- preferred channel: the order channel with the most valid orders ('unknown' only when nothing else is known;
-- ties: the channel of the latest order, then byte-wise)
channel_orders as (

    select
        customer_id,
        order_channel,
        count(*) as channel_orders,
        max(ordered_at) as last_ordered_at
    from orders
    group by 1, 2

),

channel_ranked as (

    select
        customer_id,
        order_channel,
        row_number() over (
            partition by customer_id
            order by
                case when order_channel = 'unknown' then 1 else 0 end,
                channel_orders desc,
                last_ordered_at desc,
                {{ bytewise('order_channel') }}
        ) as channel_rank
    from channel_orders

),

-- the event hours by customer, day, hour and device: all the device and activity-pattern rules need, read once
event_hour_devices as (

    select
        customer_id,
        event_date,
        event_hour,
        device,
        sum(events) as events
    from event_hours
    group by 1, 2, 3, 4

),

-- preferred device: the device of the most qualifying events (same tie rules, by the latest event day)
device_events as (

    select
        customer_id,
        device,
        sum(events) as device_events,
        max(event_date) as last_event_date
    from event_hour_devices
    group by 1, 2

),

device_ranked as (

    select
        customer_id,
        device,
        row_number() over (
            partition by customer_id
            order by
                case when device = 'unknown' then 1 else 0 end,
                device_events desc,
                last_event_date desc,
                {{ bytewise('device') }}
        ) as device_rank
    from device_events

),

-- activity pattern: days with a qualifying event or a valid order, at the hour it happened (reporting time zone);
-- one row per customer, day and hour
activity_hours as (

    select
        customer_id,
        event_date as activity_date,
        event_hour as activity_hour
    from event_hour_devices
    union
    select
        customer_id,
        order_date as activity_date,
        cast(extract(hour from ordered_at) as {{ dbt.type_int() }}) as activity_hour
    from orders

),

active_days as (

    select distinct
        customer_id,
        activity_date
    from activity_hours

),

-- most active weekday: the weekday with the most active days (ties: the weekday of the latest active day)
weekday_days as (

    select
        customer_id,
        {{ p13n_weekday_number('activity_date') }} as weekday_number,
        count(*) as active_days,
        max(activity_date) as last_active_date
    from active_days
    group by 1, 2

),

weekday_ranked as (

    select
        customer_id,
        weekday_number,
        row_number() over (
            partition by customer_id
            order by active_days desc, last_active_date desc
        ) as weekday_rank
    from weekday_days

),

-- most active hour: the hour of day active on the most days (ties: the hour of the latest active day, then the
-- earlier hour)
hour_days as (

    select
        customer_id,
        activity_hour,
        count(*) as active_days,
        max(activity_date) as last_active_date
    from activity_hours
    group by 1, 2

),

hour_ranked as (

    select
        customer_id,
        activity_hour,
        row_number() over (
            partition by customer_id
            order by active_days desc, last_active_date desc, activity_hour asc
        ) as hour_rank
    from hour_days

),


tenure as (

    select
        customer_id,
        {{ dbt.datediff('signup_date', as_of_date(), 'day') }}
            as tenure_days
    from customers

),

final as (

    select
        customers.customer_id,
        customers.signup_date,
        cast(tenure.tenure_days as {{ dbt.type_int() }}) as tenure_days,
        order_summary.first_order_date,
        order_summary.last_order_date,
        cast(coalesce(order_summary.lifetime_orders, 0) as {{ dbt.type_int() }}) as lifetime_orders,
        cast(coalesce(purchase_rhythm.purchase_days, 0) as {{ dbt.type_int() }}) as purchase_days,
        cast(purchase_rhythm.median_gap_days as {{ type_rate() }}) as median_days_between_orders,
        cast(coalesce(
            category_preferences.top_category_by_revenue_1, category_preferences.top_category_by_views_1
        ) as {{ type_string() }}) as preferred_category,
        cast(category_preferences.top_category_by_revenue_1 as {{ type_string() }}) as top_category_by_revenue_1,
        cast(category_preferences.top_category_by_revenue_2 as {{ type_string() }}) as top_category_by_revenue_2,
        cast(category_preferences.top_category_by_revenue_3 as {{ type_string() }}) as top_category_by_revenue_3,
        cast(category_preferences.top_category_by_views_1 as {{ type_string() }}) as top_category_by_views_1,
        cast(category_preferences.top_category_by_views_2 as {{ type_string() }}) as top_category_by_views_2,
        cast(category_preferences.top_category_by_views_3 as {{ type_string() }}) as top_category_by_views_3,
        cast(customer_prices.average_price_index as {{ type_rate() }}) as average_price_index,
        cast(case
            when customer_prices.average_price_index is null then null
            when customer_prices.average_price_index < price_band_cuts.lower_tercile then 'budget'
            when customer_prices.average_price_index > price_band_cuts.upper_tercile then 'premium'
            else 'mid'
        end as {{ type_string() }}) as price_band,
        {{ safe_rate('order_summary.discounted_orders', 'order_summary.lifetime_orders') }}
            as discounted_order_share,
        cast(channel_ranked.order_channel as {{ type_string() }}) as preferred_channel,
        cast(device_ranked.device as {{ type_string() }}) as preferred_device,
        cast({{ p13n_weekday_name('weekday_ranked.weekday_number') }} as {{ type_string() }}) as most_active_weekday,
        cast(hour_ranked.activity_hour as {{ dbt.type_int() }}) as most_active_hour
    from customers
    inner join tenure
        on customers.customer_id = tenure.customer_id
    cross join price_band_cuts
    left join order_summary
        on customers.customer_id = order_summary.customer_id
    left join purchase_rhythm
        on customers.customer_id = purchase_rhythm.customer_id
    left join category_preferences
        on customers.customer_id = category_preferences.customer_id
    left join customer_prices
        on customers.customer_id = customer_prices.customer_id
    left join channel_ranked
        on customers.customer_id = channel_ranked.customer_id
            and channel_ranked.channel_rank = 1
    left join device_ranked
        on customers.customer_id = device_ranked.customer_id
            and device_ranked.device_rank = 1
    left join weekday_ranked
        on customers.customer_id = weekday_ranked.customer_id
            and weekday_ranked.weekday_rank = 1
    left join hour_ranked
        on customers.customer_id = hour_ranked.customer_id
            and hour_ranked.hour_rank = 1

)

select * from final
