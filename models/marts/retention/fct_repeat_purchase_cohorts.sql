-- repeat-purchase rate within 30/60/90 days by first-order month (metrics.md, "Repeat purchase"): a repeat
-- purchase is a purchase day 1..N days after the first purchase day; a customer counts only once the window
-- is complete
{%- set windows = var('repeat_windows', [30, 60, 90]) %}

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
        first_purchases.first_purchase_date,
        {% for days in windows %}
        case when {{ window_complete('first_purchases.first_purchase_date', days) }} then 1 else 0 end
            as is_eligible_{{ days }}d,
        max(case
            when purchase_days.activity_date > first_purchases.first_purchase_date
                and purchase_days.activity_date <= {{ dbt.dateadd('day', days, 'first_purchases.first_purchase_date') }}
                then 1 else 0
        end) as repeated_{{ days }}d{{ "," if not loop.last }}
        {% endfor %}
    from first_purchases
    left join purchase_days
        on first_purchases.customer_id = purchase_days.customer_id
    group by 1, 2

),

cohorts as (

    select
        {{ period_start('month', 'first_purchase_date') }} as cohort_month,
        count(*) as cohort_size,
        {% for days in windows %}
        sum(is_eligible_{{ days }}d) as eligible_customers_{{ days }}d,
        sum(is_eligible_{{ days }}d * repeated_{{ days }}d) as repeat_customers_{{ days }}d{{ "," if not loop.last }}
        {% endfor %}
    from customer_windows
    group by 1

),

final as (

    select
        cohort_month,
        cast(cohort_size as {{ dbt.type_int() }}) as cohort_size,
        {% for days in windows %}
        cast(eligible_customers_{{ days }}d as {{ dbt.type_int() }}) as eligible_customers_{{ days }}d,
        cast(repeat_customers_{{ days }}d as {{ dbt.type_int() }}) as repeat_customers_{{ days }}d,
        {{ safe_rate('repeat_customers_' ~ days ~ 'd', 'eligible_customers_' ~ days ~ 'd') }}
            as repeat_rate_{{ days }}d{{ "," if not loop.last }}
        {% endfor %}
    from cohorts

)

select * from final
