-- churn-warning audience at as_of_date: every customer of fct_churn_warning (the rule lives there, metrics.md,
-- "Churn warning"), in the shape of the other audiences, ranked by value at risk
with

churn_warning as (

    select * from {{ ref('fct_churn_warning') }}

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        customer_id,
        cast('churn_warning' as {{ type_string() }}) as audience_reason,
        warning_reason,
        lifecycle_stage,
        days_since_last_purchase,
        value_at_risk,
        risk_rank
    from churn_warning

)

select * from final
