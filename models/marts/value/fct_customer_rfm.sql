-- RFM as of as_of_date (metrics.md, "RFM"): recency, frequency and monetary value with quintile scores (5 best)
-- and the named segment of the (R, F, M) cell from the rfm_segments seed
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

order_ages as (

    select
        customer_id,
        order_date,
        net_revenue,
        {{ dbt.datediff('order_date', as_of_date(), 'day') }}
            as days_before_as_of
    from orders

),

per_customer as (

    select
        customer_id,
        max(order_date) as last_order_date,
        min(days_before_as_of) as recency_days,
        sum(case when days_before_as_of < {{ var('rfm_lookback_days') }} then 1 else 0 end) as frequency,
        sum(case when days_before_as_of < {{ var('rfm_lookback_days') }} then net_revenue else 0 end) as monetary
    from order_ages
    group by 1

),

with_recency as (

    select
        customer_id,
        last_order_date,
        recency_days,
        frequency,
        cast(monetary as {{ type_money() }}) as monetary
    from per_customer

),

-- ordered so that the best value sorts last: the least recent, least frequent, lowest spend score 1
scored as (

    select
        customer_id,
        last_order_date,
        recency_days,
        frequency,
        monetary,
        {{ quintile_score('recency_days desc') }} as r_score,
        {{ quintile_score('frequency') }} as f_score,
        {{ quintile_score('monetary') }} as m_score
    from with_recency

),

final as (

    select
        scored.customer_id,
        scored.last_order_date,
        cast(scored.recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(scored.frequency as {{ dbt.type_int() }}) as frequency,
        scored.monetary,
        cast(scored.r_score as {{ dbt.type_int() }}) as r_score,
        cast(scored.f_score as {{ dbt.type_int() }}) as f_score,
        cast(scored.m_score as {{ dbt.type_int() }}) as m_score,
        cast(scored.r_score * 100 + scored.f_score * 10 + scored.m_score as {{ dbt.type_int() }}) as rfm_cell,
        rfm_segments.rfm_segment,
        rfm_segments.value_group,
        coalesce(rfm_segments.value_group = 'high_value', false) as is_high_value,
        coalesce(rfm_segments.value_group = 'low_value', false) as is_low_value
    from scored
    inner join rfm_segments
        on scored.r_score = rfm_segments.r_score
            and scored.f_score = rfm_segments.f_score
            and scored.m_score = rfm_segments.m_score

)

select * from final
