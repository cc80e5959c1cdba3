-- each buyer's purchase rhythm up to as_of_date: purchase days and the median gap in days between consecutive
-- purchase days (null with one purchase day); the churn warning and the customer profile read it
with

purchase_days as (

    select * from {{ ref('int_customer_purchase_days') }}

),

previous_purchases as (

    select
        customer_id,
        activity_date,
        lag(activity_date) over (partition by customer_id order by activity_date) as previous_purchase_date
    from purchase_days

),

purchase_gaps as (

    select
        customer_id,
        {{ dbt.datediff('previous_purchase_date', 'activity_date', 'day') }}
            as gap_days
    from previous_purchases

),

final as (

    select
        customer_id,
        count(*) as purchase_days,
        {{ median('gap_days') }} as median_gap_days
    from purchase_gaps
    group by 1

)

select * from final
