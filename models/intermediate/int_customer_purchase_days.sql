-- one row per customer and purchase day (a day with at least one valid order) up to as_of_date
{{ config(materialized='view') }}

with

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

final as (

    select
        customer_id,
        activity_date,
        valid_orders,
        net_revenue
    from activity_days
    where is_purchase_day

)

select * from final
