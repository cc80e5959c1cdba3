-- churn warning (metrics.md, "Churn warning"): customers still in new, active, reactivated or lapsing whose days
-- since their last purchase day exceed churn_warning_factor x their own median gap between purchase days (at
-- least 2 purchase days), or, where predicted CLV runs, whose P(alive) < churn_warning_p_alive; ranked by value at
-- risk (predicted CLV, else historical LTV)
{%- set with_clv = clv_enabled() %}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

purchase_rhythm as (

    select * from {{ ref('int_customer_purchase_rhythm') }}

),

{% if with_clv %}
clv as (

    select * from {{ ref('fct_customer_clv') }}

),

{% endif %}

candidates as (

    select
        customers.customer_id,
        customers.lifecycle_stage,
        customers.last_order_date,
        {{ dbt.datediff('customers.last_order_date', as_of_date(), 'day') }}
            as days_since_last_purchase,
        purchase_rhythm.purchase_days,
        purchase_rhythm.median_gap_days,
        customers.lifetime_net_revenue,
        {% if with_clv %}
        clv.p_alive,
        cast(clv.predicted_clv as {{ type_money() }}) as predicted_clv
        {% else %}
        cast(null as {{ type_rate() }}) as p_alive,
        cast(null as {{ type_money() }}) as predicted_clv
        {% endif %}
    from customers
    inner join purchase_rhythm
        on customers.customer_id = purchase_rhythm.customer_id
    {% if with_clv %}
    left join clv
        on customers.customer_id = clv.customer_id
    {% endif %}
    where customers.lifecycle_stage in ('new', 'active', 'reactivated', 'lapsing')

),

flagged as (

    select
        *,
        coalesce(
            purchase_days >= 2 and days_since_last_purchase > {{ var('churn_warning_factor') }} * median_gap_days,
            false
        ) as is_overdue,
        coalesce(p_alive < {{ var('churn_warning_p_alive') }}, false) as is_unlikely_alive
    from candidates

),

final as (

    select
        customer_id,
        lifecycle_stage,
        last_order_date,
        cast(days_since_last_purchase as {{ dbt.type_int() }}) as days_since_last_purchase,
        cast(purchase_days as {{ dbt.type_int() }}) as purchase_days,
        cast(median_gap_days as {{ type_rate() }}) as median_gap_days,
        cast(days_since_last_purchase / nullif(median_gap_days, 0) as {{ type_rate() }}) as overdue_ratio,
        p_alive,
        predicted_clv,
        lifetime_net_revenue,
        cast(coalesce(predicted_clv, lifetime_net_revenue) as {{ type_money() }}) as value_at_risk,
        cast(case
            when is_overdue and is_unlikely_alive then 'overdue_and_unlikely_alive'
            when is_overdue then 'overdue_purchase'
            else 'unlikely_alive'
        end as {{ type_string() }}) as warning_reason,
        cast(row_number() over (
            order by coalesce(predicted_clv, lifetime_net_revenue) desc, {{ bytewise('customer_id') }}
        ) as {{ dbt.type_int() }}) as risk_rank
    from flagged
    where is_overdue or is_unlikely_alive

)

select * from final
