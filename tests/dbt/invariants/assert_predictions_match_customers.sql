-- the predictive fields cover every customer with a valid order once, and their history reconciles with
-- dim_customers: historic CLV = lifetime net revenue, the same orders and order days (enabled with the mart)
{{ config(enabled=clv_enabled()) }}

with

predictions as (

    select * from {{ ref('fct_customer_predictions') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

buyers as (

    select * from customers
    where lifetime_orders > 0

),

compared as (

    select
        coalesce(predictions.customer_id, buyers.customer_id) as customer_id,
        predictions.historic_clv,
        buyers.lifetime_net_revenue,
        predictions.valid_orders,
        buyers.lifetime_orders
    from predictions
    full outer join buyers
        on predictions.customer_id = buyers.customer_id
    where predictions.customer_id is null
        or buyers.customer_id is null
        or predictions.historic_clv <> buyers.lifetime_net_revenue
        or predictions.valid_orders <> buyers.lifetime_orders
        or predictions.first_order_date <> buyers.first_order_date
        or predictions.last_order_date <> buyers.last_order_date

)

select * from compared
