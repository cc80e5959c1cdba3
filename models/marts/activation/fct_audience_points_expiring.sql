-- "points about to expire" audience at as_of_date (docs: audience_points_expiring): customers with at least
-- var('loyalty_audience_min_expiring_points') points that expire on days as_of+1 .. as_of+var('loyalty_expiring_horizon_days')
-- by var('loyalty_expiry_rule'); ranked by the points at stake
with

customer_points as (

    select * from {{ ref('fct_loyalty_customer_points') }}

),

final as (

    select
        as_of_date,
        customer_id,
        cast('points_expiring' as {{ type_string() }}) as audience_reason,
        points_expiring_soon,
        next_expiry_date,
        points_balance,
        balance_value,
        last_earn_date,
        last_redeem_date,
        cast(row_number() over (
            order by points_expiring_soon desc, {{ bytewise('customer_id') }}
        ) as {{ dbt.type_int() }}) as contact_rank
    from customer_points
    where points_expiring_soon >= {{ var('loyalty_audience_min_expiring_points') }}

)

select * from final
