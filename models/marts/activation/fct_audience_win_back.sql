-- win-back audience at as_of_date (metrics.md, "Activation and experiments"): dormant or churned customers with
-- a high historical value: RFM monetary score >= win_back_min_m_score (4) or membership tier at least
-- win_back_min_tier (gold, by the tier order of the membership_tiers seed). Ranked by lifetime net revenue.
{%- set min_m_score = var('win_back_min_m_score', 4) %}
{%- set min_tier = var('win_back_min_tier', 'gold') %}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

membership_tiers as (

    select * from {{ ref('membership_tiers') }}

),

min_tier as (

    select tier_rank as min_tier_rank
    from membership_tiers
    where membership_tier = '{{ min_tier }}'

),

candidates as (

    select
        customers.customer_id,
        customers.lifecycle_stage,
        customers.lifecycle_stage_since,
        customers.membership_tier,
        customers.m_score,
        customers.rfm_segment,
        customers.last_order_date,
        {{ dbt.datediff('customers.last_order_date', as_of_date(), 'day') }}
            as days_since_last_purchase,
        customers.lifetime_orders,
        customers.lifetime_net_revenue,
        coalesce(customers.m_score >= {{ min_m_score }}, false) as has_high_spend_score,
        coalesce(membership_tiers.tier_rank >= min_tier.min_tier_rank, false) as has_high_tier
    from customers
    left join membership_tiers
        on customers.membership_tier = membership_tiers.membership_tier
    cross join min_tier
    where customers.lifecycle_stage in ('dormant', 'churned')

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        customer_id,
        cast('win_back' as {{ type_string() }}) as audience_reason,
        cast(case
            when has_high_spend_score and has_high_tier then 'high_spend_score_and_tier'
            when has_high_spend_score then 'high_spend_score'
            else 'high_tier'
        end as {{ type_string() }}) as win_back_reason,
        lifecycle_stage,
        lifecycle_stage_since,
        membership_tier,
        m_score,
        rfm_segment,
        last_order_date,
        cast(days_since_last_purchase as {{ dbt.type_int() }}) as days_since_last_purchase,
        lifetime_orders,
        lifetime_net_revenue,
        cast(row_number() over (
            order by lifetime_net_revenue desc, {{ bytewise('customer_id') }}
        ) as {{ dbt.type_int() }}) as value_rank
    from candidates
    where has_high_spend_score or has_high_tier

)

select * from final
