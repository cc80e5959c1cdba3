-- the evaluation day of every "as of" metric (metrics.md, "Time"): var('as_of_date') when set, else the latest
-- customer-activity date among trusted rows (signups, orders and qualifying events of identified customers)
with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

events as (

    select * from {{ ref('stg_shop__events') }}

),

activity_dates as (

    select max(signup_date) as latest_date from customers
    union all
    select max(order_date) as latest_date from orders
    union all
    select max(event_date) as latest_date from events
    where customer_id is not null and {{ is_qualifying_event('event_type') }}

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
