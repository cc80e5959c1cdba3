-- predictive customer fields, Klaviyo's set (models/docs/predictions.md), per customer with a valid order up to
-- as_of_date: historic CLV and average order value always; the predicted fields only where Klaviyo's conditions
-- hold, else null with the reason in prediction_status. The predictions are read from the CLV models
-- (fct_customer_clv, fct_clv_parameters), so this mart is enabled exactly where they are (the var clv_enabled,
-- see its YAML)

with

customer_summary as (

    select * from {{ ref('int_clv_customer_summary') }}

),

customer_clv as (

    select * from {{ ref('fct_customer_clv') }}

),

clv_parameters as (

    select * from {{ ref('fct_clv_parameters') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

-- Klaviyo's conditions are about the whole shop: customers with a valid order, days of order history, and at
-- least one customer with predictive_min_repeat_orders valid orders
shop_history as (

    select
        count(*) as customers_with_orders,
        min(first_purchase_date) as first_order_date,
        max(valid_orders) as most_valid_orders
    from customer_summary

),

-- the BG/NBD purchase rate lambda ~ Gamma(r, alpha) (alpha in the fit's time unit), and whether both models
-- have every parameter (fct_clv_parameters leaves them null when the data cannot identify a model)
fitted_models as (

    select
        max(case when model_name = 'bg_nbd' and parameter = 'r' then value end) as bg_nbd_r,
        max(case when model_name = 'bg_nbd' and parameter = 'alpha' then value end) as bg_nbd_alpha,
        max(time_unit_days) as time_unit_days,
        count(case when model_name = 'bg_nbd' then value end) as bg_nbd_parameters,
        count(case when model_name = 'gamma_gamma' then value end) as gamma_gamma_parameters
    from clv_parameters

),

-- the first condition that fails names the reason (docs: predictive_fields)
prediction_conditions as (

    select
        fitted_models.bg_nbd_r,
        fitted_models.bg_nbd_alpha,
        fitted_models.time_unit_days,
        case
            when shop_history.customers_with_orders < {{ var('predictive_min_customers') }}
                then 'too_few_customers'
            when {{ dbt.datediff('shop_history.first_order_date', 'as_of.as_of_date', 'day') }}
                < {{ var('predictive_min_history_days') }}
                then 'too_little_history'
            when shop_history.most_valid_orders < {{ var('predictive_min_repeat_orders') }}
                then 'no_repeat_customers'
            when fitted_models.bg_nbd_parameters < 4 or fitted_models.gamma_gamma_parameters < 3
                then 'model_not_fitted'
            else 'ok'
        end as prediction_status
    from shop_history
    cross join fitted_models
    cross join as_of

),

-- history: the average gap between purchase days is (last - first) / (purchase days - 1), the mean of the
-- consecutive gaps; two orders on one day are one purchase day (int_clv_customer_summary)
customer_history as (

    select
        customer_summary.customer_id,
        customer_summary.first_purchase_date,
        customer_summary.last_purchase_date,
        customer_summary.valid_orders,
        customer_summary.purchase_days,
        customer_summary.total_net_revenue as historic_clv,
        customer_summary.total_net_revenue / customer_summary.valid_orders as average_order_value,
        case
            when customer_summary.purchase_days >= 2
                then cast(customer_summary.recency_days as {{ type_rate() }}) / (customer_summary.purchase_days - 1)
        end as average_days_between_orders
    from customer_summary

),

-- the next purchase (docs: expected_next_order_date), in the fit's time unit: given alive, lambda | history ~
-- Gamma(r + x, alpha + T), so P(no purchase within w | alive) = (A / (A + w))^s with A = alpha + T, s = r + x
waiting_time_inputs as (

    select
        customer_clv.customer_id,
        customer_clv.p_alive,
        customer_clv.expected_orders,
        customer_clv.predicted_clv,
        customer_clv.horizon_days,
        prediction_conditions.time_unit_days,
        prediction_conditions.bg_nbd_alpha + customer_clv.t as rate_scale,
        prediction_conditions.bg_nbd_r + customer_clv.frequency as rate_shape,
        cast(customer_clv.horizon_days as {{ type_rate() }}) / prediction_conditions.time_unit_days as horizon
    from customer_clv
    cross join prediction_conditions

),

-- q = P(no purchase within the horizon H | alive) = (A / (A + H))^s
horizon_chances as (

    select
        *,
        exp(rate_shape * ln(rate_scale / (rate_scale + horizon))) as no_purchase_within_horizon
    from waiting_time_inputs

),

-- dropout happens only right after a purchase, so the first purchase after as_of_date needs only being alive now:
-- P(an order within H) = P(alive) (1 - q); the median wait given an order within H solves
-- (A / (A + w))^s = (1 + q) / 2, so w = A (((1 + q) / 2)^(-1 / s) - 1)
customer_predictions as (

    select
        customer_id,
        expected_orders as predicted_orders,
        predicted_clv,
        1 - p_alive as churn_probability,
        p_alive * (1 - no_purchase_within_horizon) as order_within_horizon_probability,
        rate_scale * (exp(-ln((1 + no_purchase_within_horizon) / 2) / rate_shape) - 1) * time_unit_days
            as days_to_next_order,
        horizon_days
    from horizon_chances

),

final as (

    select
        customer_history.customer_id,
        cast(prediction_conditions.prediction_status as {{ type_string() }}) as prediction_status,
        customer_history.first_purchase_date as first_order_date,
        customer_history.last_purchase_date as last_order_date,
        cast(customer_history.valid_orders as {{ dbt.type_int() }}) as valid_orders,
        cast(customer_history.purchase_days as {{ dbt.type_int() }}) as purchase_days,
        cast(customer_history.historic_clv as {{ type_money() }}) as historic_clv,
        cast(customer_history.average_order_value as {{ type_money() }}) as average_order_value,
        cast(customer_history.average_days_between_orders as {{ type_rate() }}) as average_days_between_orders,
        cast(case
            when prediction_conditions.prediction_status = 'ok' then customer_predictions.predicted_orders
        end as {{ type_rate() }}) as predicted_orders,
        cast(case
            when prediction_conditions.prediction_status = 'ok' then customer_predictions.predicted_clv
        end as {{ type_money() }}) as predicted_clv,
        cast(case
            when prediction_conditions.prediction_status = 'ok'
                then customer_history.historic_clv + cast(customer_predictions.predicted_clv as {{ type_money() }})
        end as {{ type_money() }}) as total_clv,
        cast(case
            when prediction_conditions.prediction_status = 'ok' then customer_predictions.churn_probability
        end as {{ type_rate() }}) as churn_probability,
        cast(case
            when prediction_conditions.prediction_status = 'ok'
                then customer_predictions.order_within_horizon_probability
        end as {{ type_rate() }}) as order_within_horizon_probability,
        cast(case
            when prediction_conditions.prediction_status = 'ok' then customer_predictions.days_to_next_order
        end as {{ type_rate() }}) as days_to_next_order,
        -- the median day: the first day after as_of_date by whose end the next order has happened with
        -- probability 1/2 or more, among the outcomes with an order within the horizon
        case
            when prediction_conditions.prediction_status = 'ok'
                then cast({{ dbt.dateadd(
                    'day',
                    'cast(ceil(customer_predictions.days_to_next_order) as ' ~ dbt.type_int() ~ ')',
                    'as_of.as_of_date'
                ) }} as date)
        end as expected_next_order_date,
        cast(coalesce(customer_predictions.horizon_days, {{ var('clv_horizon_days') }}) as {{ dbt.type_int() }})
            as horizon_days,
        as_of.as_of_date
    from customer_history
    left join customer_predictions
        on customer_history.customer_id = customer_predictions.customer_id
    cross join prediction_conditions
    cross join as_of

)

select * from final
