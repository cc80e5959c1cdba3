-- usage interval by first-order month (issue 24): the distribution of the cohort's customers' median days between
-- consecutive purchase days (customers with 2 or more purchase days up to as_of_date; gaps between purchase days,
-- int_customer_purchase_rhythm), as continuous quartiles and bucketed counts (docs: usage_interval)
{%- set buckets = [
    {'name': '1_7d', 'upto': 7},
    {'name': '8_14d', 'upto': 14},
    {'name': '15_30d', 'upto': 30},
    {'name': '31_60d', 'upto': 60},
    {'name': '61_90d', 'upto': 90},
    {'name': '91_180d', 'upto': 180},
    {'name': '181d_plus', 'upto': none},
] %}

with

cohorts as (

    select * from {{ ref('int_customer_cohorts') }}

),

purchase_rhythm as (

    select * from {{ ref('int_customer_purchase_rhythm') }}

),

first_order_cohorts as (

    select
        customer_id,
        {{ period_start('month', 'cohort_date') }} as cohort_month
    from cohorts
    where cohort_basis = 'first_order'

),

-- a customer's median gap is null with a single purchase day; its bucket by upper bound (7.5 days is in 8-14)
customer_intervals as (

    select
        first_order_cohorts.cohort_month,
        first_order_cohorts.customer_id,
        cast(purchase_rhythm.median_gap_days as {{ type_rate() }}) as median_gap_days,
        case
            {%- for bucket in buckets if bucket.upto is not none %}
            when purchase_rhythm.median_gap_days <= {{ bucket.upto }} then '{{ bucket.name }}'
            {%- endfor %}
            when purchase_rhythm.median_gap_days is not null then '{{ (buckets | last).name }}'
        end as gap_bucket
    from first_order_cohorts
    left join purchase_rhythm
        on first_order_cohorts.customer_id = purchase_rhythm.customer_id

),

cohort_intervals as (

    select
        cohort_month,
        count(*) as cohort_size,
        count(median_gap_days) as customers_with_repeat,
        {% for bucket in buckets %}
        sum(case when gap_bucket = '{{ bucket.name }}' then 1 else 0 end) as customers_gap_{{ bucket.name }},
        {% endfor %}
        {{ continuous_percentile('median_gap_days', 0.25) }} as p25_median_gap_days,
        {{ continuous_percentile('median_gap_days', 0.5) }} as p50_median_gap_days,
        {{ continuous_percentile('median_gap_days', 0.75) }} as p75_median_gap_days
    from customer_intervals
    group by cohort_month

),

final as (

    select
        cohort_month,
        cast(cohort_size as {{ dbt.type_int() }}) as cohort_size,
        cast(customers_with_repeat as {{ dbt.type_int() }}) as customers_with_repeat,
        cast(cohort_size - customers_with_repeat as {{ dbt.type_int() }}) as customers_without_repeat,
        cast(p25_median_gap_days as {{ type_rate() }}) as p25_median_gap_days,
        cast(p50_median_gap_days as {{ type_rate() }}) as p50_median_gap_days,
        cast(p75_median_gap_days as {{ type_rate() }}) as p75_median_gap_days,
        {% for bucket in buckets[:-1] %}
        cast(customers_gap_{{ bucket.name }} as {{ dbt.type_int() }}) as customers_gap_{{ bucket.name }},
        {% endfor %}
        cast(customers_gap_{{ (buckets | last).name }} as {{ dbt.type_int() }})
            as customers_gap_{{ (buckets | last).name }}
    from cohort_intervals

)

select * from final
