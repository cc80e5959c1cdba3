-- "high balance, not redeemed" audience at as_of_date (docs: audience_points_unredeemed): customers holding at
-- least var('loyalty_audience_min_balance') points who have not redeemed in the last
-- var('loyalty_audience_unredeemed_days') days (or never); ranked by balance
{%- set unredeemed_days = var('loyalty_audience_unredeemed_days') %}

with

customer_points as (

    select * from {{ ref('fct_loyalty_customer_points') }}

),

with_days as (

    select
        *,
        {{ dbt.datediff('last_redeem_date', 'as_of_date', 'day') }}
            as days_since
    from customer_points

),

final as (

    select
        as_of_date,
        customer_id,
        cast('points_unredeemed' as {{ type_string() }}) as audience_reason,
        points_balance,
        balance_value,
        lifetime_points_earned,
        lifetime_points_redeemed,
        last_redeem_date,
        cast(days_since as {{ dbt.type_int() }}) as days_since_last_redemption,
        points_expiring_soon,
        cast(row_number() over (
            order by points_balance desc, {{ bytewise('customer_id') }}
        ) as {{ dbt.type_int() }}) as contact_rank
    from with_days
    where points_balance >= {{ var('loyalty_audience_min_balance') }}
        and (last_redeem_date is null or days_since >= {{ unredeemed_days }})

)

select * from final
