-- repeat-purchase rate within 30/60/90 days by first-order month (metrics.md, "Repeat purchase"): a repeat
-- purchase is a purchase day 1..N days after the first purchase day; a customer counts only once the window
-- is complete
{%- set windows = [30, 60, 90] %}

with

purchase_days as (

    select * from {{ ref('int_customer_purchase_days') }}

),

first_purchases as (

    select
        customer_id,
        min(activity_date) as first_purchase_date
    from purchase_days
    group by 1

),

customer_windows as (

    select
        first_purchases.customer_id,
        {% for days in windows %}
        case when {{ window_complete('first_purchases.first_purchase_date', days) }} then 1 else 0 end
            as is_eligible_{{ days }}d,
        max(case
            when {{ within_days_after('purchase_days.activity_date', 'first_purchases.first_purchase_date', days) }}
                then 1
            else 0
        end) as repeated_{{ days }}d,
        {% endfor %}
        first_purchases.first_purchase_date
    from first_purchases
    left join purchase_days
        on first_purchases.customer_id = purchase_days.customer_id
    group by first_purchases.customer_id, first_purchases.first_purchase_date

),

cohorts as (

    select
        {{ period_start('month', 'first_purchase_date') }} as cohort_month,
        {% for days in windows %}
        sum(is_eligible_{{ days }}d) as eligible_customers_{{ days }}d,
        sum(is_eligible_{{ days }}d * repeated_{{ days }}d) as repeat_customers_{{ days }}d,
        {% endfor %}
        count(*) as cohort_size
    from customer_windows
    group by 1

),

final as (

    select
        cohort_month,
        cast(cohort_size as {{ dbt.type_int() }}) as cohort_size,
        cast(eligible_customers_30d as {{ dbt.type_int() }}) as eligible_customers_30d,
        cast(repeat_customers_30d as {{ dbt.type_int() }}) as repeat_customers_30d,
        {{ safe_rate('repeat_customers_30d', 'eligible_customers_30d') }} as repeat_rate_30d,
        cast(eligible_customers_60d as {{ dbt.type_int() }}) as eligible_customers_60d,
        cast(repeat_customers_60d as {{ dbt.type_int() }}) as repeat_customers_60d,
        {{ safe_rate('repeat_customers_60d', 'eligible_customers_60d') }} as repeat_rate_60d,
        cast(eligible_customers_90d as {{ dbt.type_int() }}) as eligible_customers_90d,
        cast(repeat_customers_90d as {{ dbt.type_int() }}) as repeat_customers_90d,
        {{ safe_rate('repeat_customers_90d', 'eligible_customers_90d') }} as repeat_rate_90d
    from cohorts

)

select * from final
