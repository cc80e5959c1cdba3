with

customers as (

    select * from {{ ref('int_customers') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

membership_tiers as (

    select * from {{ ref('membership_tiers') }}

),

lifecycle_spans as (

    select * from {{ ref('int_customer_lifecycle_spans') }}

),

rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

customer_points as (

    select * from {{ ref('fct_loyalty_customer_points') }}

),

order_totals as (

    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as lifetime_orders,
        sum(net_revenue) as lifetime_net_revenue
    from orders
    group by 1

),

activity_totals as (

    select
        customer_id,
        max(activity_date) as last_active_date,
        count(*) as active_days
    from activity_days
    group by 1

),

with_totals as (

    select
        customers.customer_id,
        customers.signup_date,
        customers.signup_at,
        customers.is_inferred,
        customers.country_code,
        customers.acquisition_channel,
        customers.email_hash,
        order_totals.first_order_date,
        order_totals.last_order_date,
        coalesce(order_totals.lifetime_orders, 0) as lifetime_orders,
        cast(coalesce(order_totals.lifetime_net_revenue, 0) as {{ type_money() }}) as lifetime_net_revenue,
        activity_totals.last_active_date,
        coalesce(activity_totals.active_days, 0) as active_days
    from customers
    left join order_totals
        on customers.customer_id = order_totals.customer_id
    left join activity_totals
        on customers.customer_id = activity_totals.customer_id

),

-- membership tier: the highest tier whose threshold the cumulative net revenue reaches (metrics.md, "Membership tier")
tiered as (

    select
        with_totals.customer_id,
        max(membership_tiers.tier_rank) as tier_rank
    from with_totals
    inner join membership_tiers
        on with_totals.lifetime_net_revenue >= membership_tiers.min_cumulative_net_revenue
    group by 1

),

final as (

    select
        with_totals.customer_id,
        with_totals.signup_date,
        with_totals.signup_at,
        with_totals.is_inferred,
        with_totals.country_code,
        with_totals.acquisition_channel,
        with_totals.email_hash,
        with_totals.first_order_date,
        with_totals.last_order_date,
        cast(with_totals.lifetime_orders as {{ dbt.type_int() }}) as lifetime_orders,
        with_totals.lifetime_net_revenue,
        with_totals.last_active_date,
        cast(with_totals.active_days as {{ dbt.type_int() }}) as active_days,
        membership_tiers.membership_tier,
        lifecycle_spans.lifecycle_stage,
        lifecycle_spans.valid_from as lifecycle_stage_since,
        rfm.rfm_segment,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        cast(coalesce(customer_points.points_balance, 0) as {{ dbt.type_bigint() }}) as points_balance,
        cast(coalesce(customer_points.lifetime_points_earned, 0) as {{ dbt.type_bigint() }}) as lifetime_points_earned,
        cast(coalesce(customer_points.lifetime_points_redeemed, 0) as {{ dbt.type_bigint() }})
            as lifetime_points_redeemed,
        cast(coalesce(customer_points.lifetime_points_expired, 0) as {{ dbt.type_bigint() }})
            as lifetime_points_expired,
        customer_points.last_earn_date as last_points_earned_date,
        customer_points.last_redeem_date as last_points_redeemed_date,
        cast(coalesce(customer_points.points_expiring_soon, 0) as {{ dbt.type_bigint() }}) as points_expiring_soon
    from with_totals
    inner join tiered
        on with_totals.customer_id = tiered.customer_id
    inner join membership_tiers
        on tiered.tier_rank = membership_tiers.tier_rank
    left join lifecycle_spans
        on with_totals.customer_id = lifecycle_spans.customer_id
            and lifecycle_spans.is_current
    left join rfm
        on with_totals.customer_id = rfm.customer_id
    left join customer_points
        on with_totals.customer_id = customer_points.customer_id

)

select * from final
