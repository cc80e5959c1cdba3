-- BG/NBD and Gamma-Gamma inputs, one row per customer with a purchase day up to as_of_date (metrics.md,
-- "Predicted CLV"), in the literature's conventions: frequency = repeat purchase days, recency = first to last
-- purchase day, t = first purchase day to as_of_date, in units of clv_time_unit_days days (7 = weeks)
{%- set unit_days = var('clv_time_unit_days', 7) | int %}
{%- set unit_name = {1: 'day', 7: 'week'}.get(unit_days, unit_days ~ '_days') %}
{%- if execute and model.resource_type == 'model' and not var('clv_enabled', target.type not in ['postgres', 'spark']) %}
    {{- log('Predicted CLV is disabled (target type ' ~ target.type ~ '): this summary is built, but fct_clv_parameters'
            ~ ' and fct_customer_clv (dbt Python models, off by default on PostgreSQL and Spark-session) are not;'
            ~ ' the var clv_enabled overrides this.', info=true) }}
{%- endif %}
{%- if unit_days < 1 %}
    {{ exceptions.raise_compiler_error("clv_time_unit_days must be a positive whole number of days, got " ~ unit_days) }}
{%- endif %}

with

purchase_days as (

    select * from {{ ref('int_customer_purchase_days') }}

),

with_first as (

    select
        customer_id,
        activity_date,
        valid_orders,
        net_revenue,
        min(activity_date) over (partition by customer_id) as first_purchase_date
    from purchase_days
    where activity_date <= {{ as_of_date() }}

),

-- a repeat purchase is a purchase day after the first (two orders on one day are one purchase occasion)
per_customer as (

    select
        customer_id,
        first_purchase_date,
        max(activity_date) as last_purchase_date,
        count(*) as purchase_days,
        sum(valid_orders) as valid_orders,
        sum(net_revenue) as total_net_revenue,
        sum(case when activity_date > first_purchase_date then net_revenue end) as repeat_net_revenue
    from with_first
    group by 1, 2

),

day_counts as (

    select
        customer_id,
        first_purchase_date,
        last_purchase_date,
        purchase_days,
        valid_orders,
        total_net_revenue,
        repeat_net_revenue,
        purchase_days - 1 as frequency,
        {{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }}
            as recency_days,
        {{ dbt.datediff('first_purchase_date', as_of_date(), 'day') }}
            as t_days
    from per_customer

),

final as (

    select
        customer_id,
        first_purchase_date,
        last_purchase_date,
        cast(purchase_days as {{ dbt.type_int() }}) as purchase_days,
        cast(valid_orders as {{ dbt.type_int() }}) as valid_orders,
        cast(frequency as {{ dbt.type_int() }}) as frequency,
        cast(recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(t_days as {{ dbt.type_int() }}) as t_days,
        cast(recency_days as {{ type_rate() }}) / {{ unit_days }} as recency,
        cast(t_days as {{ type_rate() }}) / {{ unit_days }} as t,
        '{{ unit_name }}' as time_unit,
        cast(case
            when frequency > 0 then repeat_net_revenue / frequency
        end as {{ type_money() }}) as monetary_value,
        cast(total_net_revenue as {{ type_money() }}) as total_net_revenue
    from day_counts

)

select * from final
