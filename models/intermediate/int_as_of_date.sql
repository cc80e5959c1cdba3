-- the evaluation day of every "as of" metric (metrics.md, "Time"): var('as_of_date') when set, else the latest
-- customer-activity date among trusted rows (signups, orders and qualifying events of identified customers)
with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

-- qualifying events per day and reported identity (compact; the identity map stitches anonymous ones)
event_identity_days as (

    select * from {{ ref('stg_shop__event_identity_days') }}

),

identity_map as (

    select * from {{ ref('stg_shop__identity_map') }}

),

activity_dates as (

    select max(signup_date) as latest_date from customers
    union all
    select max(order_date) as latest_date from orders
    union all
    select max(event_identity_days.event_date) as latest_date
    from event_identity_days
    left join identity_map
        on event_identity_days.anonymous_id = identity_map.anonymous_id
    where {{ stitched_customer_id('event_identity_days') }} is not null

),

final as (

    {% if var('as_of_date') -%}
    select
        cast('{{ var("as_of_date") }}' as date) as as_of_date,
        false as is_default
    {%- else -%}
    select
        max(latest_date) as as_of_date,
        true as is_default
    from activity_dates
    {%- endif %}

)

select * from final
