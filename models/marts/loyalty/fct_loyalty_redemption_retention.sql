-- retention by points behaviour (docs: loyalty_redemption_retention): first-order customers who earned points on
-- days 0 .. B-1 after their first order day (B = var('loyalty_behaviour_days')), split into those who also
-- redeemed on those days and those who did not; retained = active on a day B .. R after the first order day
-- (R = var('loyalty_retention_days'); any activity basis), complete windows only. Per first-order month and for
-- all cohorts together: both rates, their difference and its 95% Wald interval. A correlation, not an effect:
-- redeemers choose to redeem
{%- set behaviour_days = var('loyalty_behaviour_days') %}
{%- set retention_days = var('loyalty_retention_days') %}

with

ledger as (

    select * from {{ ref('int_loyalty_ledger') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

first_orders as (

    select
        customer_id,
        order_date as first_order_date,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as cohort_month
    from orders
    where is_first_order
        and {{ window_complete('order_date', retention_days) }}

),

behaviour as (

    select
        first_orders.customer_id,
        max(case when ledger.entry_kind = 'earn' and ledger.points > 0 then 1 else 0 end) as earned_early,
        max(case when ledger.entry_kind = 'redeem' then 1 else 0 end) as redeemed_early
    from first_orders
    inner join ledger
        on first_orders.customer_id = ledger.customer_id
            and first_orders.first_order_date <= ledger.entry_date
            and ledger.entry_date < {{ dbt.dateadd('day', behaviour_days, 'first_orders.first_order_date') }}
    group by 1

),

retained as (

    select distinct first_orders.customer_id
    from first_orders
    inner join activity_days
        on first_orders.customer_id = activity_days.customer_id
            and activity_days.activity_date >= {{ dbt.dateadd('day', behaviour_days, 'first_orders.first_order_date') }}
            and activity_days.activity_date <= {{ dbt.dateadd('day', retention_days, 'first_orders.first_order_date') }}

),

customers as (

    select
        first_orders.cohort_month,
        behaviour.redeemed_early,
        case when retained.customer_id is not null then 1 else 0 end as is_retained
    from first_orders
    inner join behaviour
        on first_orders.customer_id = behaviour.customer_id
    left join retained
        on first_orders.customer_id = retained.customer_id
    where behaviour.earned_early = 1

),

by_cohort as (

    select
        cast('month' as {{ type_string() }}) as cohort_grain,
        cohort_month as cohort_start,
        sum(redeemed_early) as redeemers,
        sum(redeemed_early * is_retained) as redeemers_retained,
        sum(1 - redeemed_early) as non_redeemers,
        sum((1 - redeemed_early) * is_retained) as non_redeemers_retained
    from customers
    group by 1, 2

    union all

    select
        cast('all' as {{ type_string() }}) as cohort_grain,
        min(cohort_month) as cohort_start,
        sum(redeemed_early) as redeemers,
        sum(redeemed_early * is_retained) as redeemers_retained,
        sum(1 - redeemed_early) as non_redeemers,
        sum((1 - redeemed_early) * is_retained) as non_redeemers_retained
    from customers
    having count(*) > 0

),

rates as (

    select
        *,
        {{ proportion('redeemers_retained', 'redeemers') }} as redeemer_retention_rate,
        {{ proportion('non_redeemers_retained', 'non_redeemers') }} as non_redeemer_retention_rate
    from by_cohort

),

differences as (

    select
        *,
        redeemer_retention_rate - non_redeemer_retention_rate as retention_difference,
        {{ wald_standard_error('non_redeemer_retention_rate', 'non_redeemers', 'redeemer_retention_rate', 'redeemers') }}
            as standard_error
    from rates

),

final as (

    select
        cohort_grain,
        cohort_start,
        cast(redeemers as {{ dbt.type_int() }}) as redeemers,
        cast(redeemers_retained as {{ dbt.type_int() }}) as redeemers_retained,
        redeemer_retention_rate,
        cast(non_redeemers as {{ dbt.type_int() }}) as non_redeemers,
        cast(non_redeemers_retained as {{ dbt.type_int() }}) as non_redeemers_retained,
        non_redeemer_retention_rate,
        retention_difference,
        {{ wald_interval_lower('retention_difference', 'standard_error') }} as difference_ci_lower,
        {{ wald_interval_upper('retention_difference', 'standard_error') }} as difference_ci_upper,
        cast('correlation' as {{ type_string() }}) as evidence
    from differences

)

select * from final
