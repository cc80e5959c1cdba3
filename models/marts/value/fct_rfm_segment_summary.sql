-- one row per RFM segment: customers, share of customers, revenue in the RFM window and lifetime
with

rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

segment_names as (

    select distinct
        rfm_segment,
        value_group,
        segment_description
    from rfm_segments

),

per_segment as (

    select
        rfm.rfm_segment,
        count(*) as customers,
        sum(rfm.monetary) as monetary,
        sum(customers.lifetime_net_revenue) as lifetime_net_revenue,
        avg(cast(rfm.recency_days as {{ type_rate() }})) as avg_recency_days,
        avg(cast(rfm.frequency as {{ type_rate() }})) as avg_frequency
    from rfm
    inner join customers
        on rfm.customer_id = customers.customer_id
    group by 1

),

totals as (

    select
        sum(customers) as customers,
        sum(monetary) as monetary
    from per_segment

),

final as (

    select
        segment_names.rfm_segment,
        segment_names.value_group,
        segment_names.segment_description,
        cast(coalesce(per_segment.customers, 0) as {{ dbt.type_int() }}) as customers,
        {{ safe_rate('coalesce(per_segment.customers, 0)', 'totals.customers') }} as share_of_customers,
        cast(coalesce(per_segment.monetary, 0) as {{ type_money() }}) as monetary,
        {{ safe_rate('coalesce(per_segment.monetary, 0)', 'totals.monetary') }} as share_of_monetary,
        cast(coalesce(per_segment.lifetime_net_revenue, 0) as {{ type_money() }}) as lifetime_net_revenue,
        per_segment.avg_recency_days,
        per_segment.avg_frequency
    from segment_names
    cross join totals
    left join per_segment
        on segment_names.rfm_segment = per_segment.rfm_segment

)

select * from final
