-- cross-purchase by first-order month (docs: cross_purchase): per cohort of customers whose first valid order fell in
-- the month, the share who bought from 2+ categories (to as_of_date, and within 90 days of the first purchase day
-- over complete windows only), and among the customers with a second purchase day, the share whose second purchase
-- day had a category none of their earlier orders had (and the share whose categories were all new). Lines of
-- products without a known category are left out.
{%- set window_days = 90 %}

with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

order_lines as (

    select * from {{ ref('int_p13n_order_lines') }}

),

first_orders as (

    select
        customer_id,
        order_date as first_order_date,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as cohort_month
    from orders
    where is_first_order

),

customer_day_categories as (

    select distinct
        customer_id,
        order_date,
        category
    from order_lines
    where category <> 'unknown'

),

-- purchase days numbered per customer (two orders on one day are one purchase occasion)
purchase_days as (

    select distinct
        customer_id,
        order_date
    from orders

),

numbered_purchase_days as (

    select
        customer_id,
        order_date,
        row_number() over (partition by customer_id order by order_date) as purchase_day_number
    from purchase_days

),

second_purchase_days as (

    select
        customer_id,
        order_date as second_purchase_date
    from numbered_purchase_days
    where purchase_day_number = 2

),

-- each category of the second purchase day, flagged new when no earlier purchase day had it
second_day_categories as (

    select
        second_purchase_days.customer_id,
        customer_day_categories.category,
        max(case when earlier.category is null then 1 else 0 end) as is_new_category
    from second_purchase_days
    inner join customer_day_categories
        on second_purchase_days.customer_id = customer_day_categories.customer_id
            and second_purchase_days.second_purchase_date = customer_day_categories.order_date
    left join customer_day_categories as earlier
        on customer_day_categories.customer_id = earlier.customer_id
            and customer_day_categories.category = earlier.category
            and customer_day_categories.order_date > earlier.order_date
    group by 1, 2

),

second_day_novelty as (

    select
        customer_id,
        max(is_new_category) as has_new_category,
        min(is_new_category) as has_only_new_categories
    from second_day_categories
    group by 1

),

customer_categories as (

    select
        first_orders.customer_id,
        count(distinct customer_day_categories.category) as categories,
        count(distinct case
            when customer_day_categories.order_date
                <= {{ dbt.dateadd('day', window_days, 'first_orders.first_order_date') }}
                then customer_day_categories.category
        end) as categories_in_window
    from first_orders
    left join customer_day_categories
        on first_orders.customer_id = customer_day_categories.customer_id
    group by 1

),

customer_outcomes as (

    select
        first_orders.customer_id,
        first_orders.cohort_month,
        case when customer_categories.categories >= 2 then 1 else 0 end as is_multi_category,
        case when {{ window_complete('first_orders.first_order_date', window_days) }} then 1 else 0 end
            as is_eligible_{{ window_days }}d,
        case when customer_categories.categories_in_window >= 2 then 1 else 0 end
            as is_multi_category_{{ window_days }}d,
        case when second_purchase_days.customer_id is not null then 1 else 0 end as has_repeat_purchase,
        coalesce(second_day_novelty.has_new_category, 0) as has_new_category_repeat,
        coalesce(second_day_novelty.has_only_new_categories, 0) as has_only_new_category_repeat
    from first_orders
    inner join customer_categories
        on first_orders.customer_id = customer_categories.customer_id
    left join second_purchase_days
        on first_orders.customer_id = second_purchase_days.customer_id
    left join second_day_novelty
        on first_orders.customer_id = second_day_novelty.customer_id

),

cohorts as (

    select
        cohort_month,
        count(*) as purchasing_customers,
        sum(is_multi_category) as multi_category_customers,
        sum(is_eligible_{{ window_days }}d) as eligible_customers_{{ window_days }}d,
        sum(is_eligible_{{ window_days }}d * is_multi_category_{{ window_days }}d)
            as multi_category_customers_{{ window_days }}d,
        sum(has_repeat_purchase) as repeat_customers,
        sum(has_new_category_repeat) as new_category_repeat_customers,
        sum(has_only_new_category_repeat) as only_new_category_repeat_customers
    from customer_outcomes
    group by 1

),

final as (

    select
        cohort_month,
        cast(purchasing_customers as {{ dbt.type_int() }}) as purchasing_customers,
        cast(multi_category_customers as {{ dbt.type_int() }}) as multi_category_customers,
        {{ safe_rate('multi_category_customers', 'purchasing_customers') }} as multi_category_share,
        cast(eligible_customers_{{ window_days }}d as {{ dbt.type_int() }}) as eligible_customers_{{ window_days }}d,
        cast(multi_category_customers_{{ window_days }}d as {{ dbt.type_int() }})
            as multi_category_customers_{{ window_days }}d,
        {{ safe_rate('multi_category_customers_' ~ window_days ~ 'd', 'eligible_customers_' ~ window_days ~ 'd') }}
            as multi_category_share_{{ window_days }}d,
        cast(repeat_customers as {{ dbt.type_int() }}) as repeat_customers,
        cast(new_category_repeat_customers as {{ dbt.type_int() }}) as new_category_repeat_customers,
        {{ safe_rate('new_category_repeat_customers', 'repeat_customers') }} as new_category_repeat_share,
        cast(only_new_category_repeat_customers as {{ dbt.type_int() }}) as only_new_category_repeat_customers,
        {{ safe_rate('only_new_category_repeat_customers', 'repeat_customers') }} as only_new_category_repeat_share
    from cohorts

)

select * from final
