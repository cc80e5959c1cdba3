-- product recommendations (docs: customer_recommendations): the top recommendation_top_k (10) products per customer
-- as of as_of_date, from three sources in this order of priority:
--   repurchase           a product of a consumable category (var consumable_categories) the customer bought whose
--                        repurchase is due: days since their last purchase of it > the product's median repurchase
--                        gap (else its category's); score = days since / median gap
--   affinity             products co-purchased with the customer's products (fct_product_affinity, product level,
--                        scope recommendation_affinity_scope, 'window'); score = sum of confidence(A -> B) over the
--                        distinct products A the customer bought (ties: the highest lift); only each product A's
--                        recommendation_affinity_rules_per_product (20) strongest rules take part (decision D-030)
--   popular_in_category  the fallback: popular products (distinct buyers) of the customer's
--                        recommendation_categories (3) categories of highest interest (product views +
--                        recommendation_purchase_weight x units bought); score = the category's share of the
--                        customer's interest x the product's share of its category's buyers
-- A product the customer already bought is never recommended by affinity or popularity; only a due repurchase
-- brings it back. Within a source, rows rank by score (rounded to 1e-12), then product id byte-wise.
{%- set top_k = var('recommendation_top_k', 10) | int %}
{%- set consumables = var('consumable_categories', ['grocery', 'beauty', 'health', 'pet_supplies']) %}
{%- if consumables | length > 0 %}
{%- set consumable_filter = "purchased_products.category in ('" ~ (consumables | join("', '")) ~ "')" %}
{%- else %}
{%- set consumable_filter = "1 = 0" %}
{%- endif %}
{%- set affinity_scope = var('recommendation_affinity_scope', 'window') %}
{%- set category_count = var('recommendation_categories', 3) | int %}
{%- set purchase_weight = var('recommendation_purchase_weight', 1) %}
{%- set rules_per_product = var('recommendation_affinity_rules_per_product', 20) | int %}

with

order_lines as (

    select * from {{ ref('int_p13n_order_lines') }}

),

customer_categories as (

    select * from {{ ref('int_p13n_customer_categories') }}

),

affinity as (

    select * from {{ ref('fct_product_affinity') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

purchased_products as (

    select
        customer_id,
        product_id,
        min(category) as category,
        max(order_date) as last_purchase_date
    from order_lines
    group by 1, 2

),

-- repurchase: gaps between the purchase days of one product by one customer
product_purchase_days as (

    select distinct
        customer_id,
        product_id,
        category,
        order_date
    from order_lines

),

product_gaps as (

    select
        product_id,
        category,
        {{ dbt.datediff(
            'lag(order_date) over (partition by customer_id, product_id order by order_date)', 'order_date', 'day'
        ) }} as gap_days
    from product_purchase_days

),

product_repurchase_gaps as (

    select
        product_id,
        {{ median('gap_days') }} as median_gap_days
    from product_gaps
    where gap_days is not null
    group by 1

),

category_repurchase_gaps as (

    select
        category,
        {{ median('gap_days') }} as median_gap_days
    from product_gaps
    where gap_days is not null
    group by 1

),

consumables_bought as (

    select
        purchased_products.customer_id,
        purchased_products.product_id,
        {{ dbt.datediff('purchased_products.last_purchase_date', as_of_date(), 'day') }}
            as days_since_last_purchase,
        coalesce(product_repurchase_gaps.median_gap_days, category_repurchase_gaps.median_gap_days)
            as median_gap_days
    from purchased_products
    left join product_repurchase_gaps
        on purchased_products.product_id = product_repurchase_gaps.product_id
    left join category_repurchase_gaps
        on purchased_products.category = category_repurchase_gaps.category
    where {{ consumable_filter }}

),

-- due: more days since the last purchase of the product than its median repurchase gap
due_repurchases as (

    select
        customer_id,
        product_id,
        cast(days_since_last_purchase as {{ type_rate() }}) / median_gap_days as score
    from consumables_bought
    where days_since_last_purchase > median_gap_days

),

-- affinity: the strongest rules A -> B of each product A (the most related products, as in an item-to-item
-- "bought together" list): bounds the candidates at rules_per_product per product bought (D-030)
affinity_rules_ranked as (

    select
        antecedent_id,
        consequent_id,
        confidence,
        lift,
        row_number() over (
            partition by antecedent_id
            order by
                {{ p13n_stable_score('confidence') }} desc,
                {{ p13n_stable_score('lift') }} desc,
                {{ bytewise('consequent_id') }}
        ) as rule_rank
    from affinity
    where affinity_level = 'product'
        and affinity_scope = '{{ affinity_scope }}'

),

affinity_rules as (

    select
        antecedent_id,
        consequent_id,
        confidence,
        lift
    from affinity_rules_ranked
    where rule_rank <= {{ rules_per_product }}

),

affinity_candidates as (

    select
        purchased_products.customer_id,
        affinity_rules.consequent_id as product_id,
        sum(affinity_rules.confidence) as score,
        max(affinity_rules.lift) as tie_breaker
    from purchased_products
    inner join affinity_rules
        on purchased_products.product_id = affinity_rules.antecedent_id
    group by 1, 2

),

-- only the top k affinity products a customer has not bought can reach the top k (repurchases, always bought
-- products, come first; a popular product also found by affinity counts as affinity, so it ranks below k of them):
-- cutting here keeps the result exact and spares ranking ~200 candidates per customer in the final steps
affinity_ranked as (

    select
        affinity_candidates.customer_id,
        affinity_candidates.product_id,
        affinity_candidates.score,
        affinity_candidates.tie_breaker,
        row_number() over (
            partition by affinity_candidates.customer_id
            order by
                {{ p13n_stable_score('affinity_candidates.score') }} desc,
                {{ p13n_stable_score('affinity_candidates.tie_breaker') }} desc,
                {{ bytewise('affinity_candidates.product_id') }}
        ) as affinity_rank
    from affinity_candidates
    left join purchased_products
        on affinity_candidates.customer_id = purchased_products.customer_id
            and affinity_candidates.product_id = purchased_products.product_id
    where purchased_products.product_id is null

),

affinity_top as (

    select
        customer_id,
        product_id,
        score,
        tie_breaker
    from affinity_ranked
    where affinity_rank <= {{ top_k }}

),

-- popularity: distinct buyers of each product of a known category
product_buyers as (

    select
        product_id,
        category,
        count(distinct customer_id) as buyers
    from order_lines
    where category <> 'unknown'
    group by 1, 2

),

product_popularity as (

    select
        product_id,
        category,
        cast(buyers as {{ type_rate() }}) / sum(buyers) over (partition by category) as popularity_share,
        row_number() over (partition by category order by buyers desc, {{ bytewise('product_id') }}) as popularity_rank
    from product_buyers

),

customer_interest as (

    select
        customer_id,
        category,
        product_views + {{ purchase_weight }} * units as interest
    from customer_categories

),

customer_interest_ranked as (

    select
        customer_id,
        category,
        cast(interest as {{ type_rate() }}) / sum(interest) over (partition by customer_id) as interest_share,
        row_number() over (partition by customer_id order by interest desc, {{ bytewise('category') }}) as interest_rank
    from customer_interest
    where interest > 0

),

purchased_per_category as (

    select
        customer_id,
        category,
        count(*) as purchased_products
    from purchased_products
    group by 1, 2

),

-- sources rank in priority order, so popularity fills only what repurchases and affinity leave of the top k: the
-- customers whose top k they fill already take no popularity candidates
priority_candidates as (

    select
        customer_id,
        count(*) as candidates
    from (
        select customer_id from due_repurchases
        union all
        select customer_id from affinity_top
    ) as prioritized
    group by customer_id

),

-- the top k + (products the customer bought in the category) by popularity hold at least k products not yet bought
popular_candidates as (

    select
        customer_interest_ranked.customer_id,
        product_popularity.product_id,
        customer_interest_ranked.interest_share * product_popularity.popularity_share as score,
        cast(0 as {{ type_rate() }}) as tie_breaker
    from customer_interest_ranked
    inner join product_popularity
        on customer_interest_ranked.category = product_popularity.category
    left join purchased_per_category
        on customer_interest_ranked.customer_id = purchased_per_category.customer_id
            and customer_interest_ranked.category = purchased_per_category.category
    left join priority_candidates
        on customer_interest_ranked.customer_id = priority_candidates.customer_id
    where customer_interest_ranked.interest_rank <= {{ category_count }}
        and product_popularity.popularity_rank <= {{ top_k }} + coalesce(purchased_per_category.purchased_products, 0)
        and coalesce(priority_candidates.candidates, 0) < {{ top_k }}

),

-- a product found by several sources keeps its highest-priority source: repurchases are bought products, which
-- affinity and popularity never recommend (only a due repurchase brings a bought product back), and a popular
-- product among the customer's top affinity products counts as affinity
popular_not_found as (

    select popular_candidates.*
    from popular_candidates
    left join purchased_products
        on popular_candidates.customer_id = purchased_products.customer_id
            and popular_candidates.product_id = purchased_products.product_id
    left join affinity_top
        on popular_candidates.customer_id = affinity_top.customer_id
            and popular_candidates.product_id = affinity_top.product_id
    where purchased_products.product_id is null
        and affinity_top.product_id is null

),

candidates as (

    select
        customer_id,
        product_id,
        cast('repurchase' as {{ type_string() }}) as source,
        1 as source_priority,
        {{ p13n_stable_score('score') }} as score,
        cast(0 as {{ type_rate() }}) as tie_breaker
    from due_repurchases
    union all
    select
        customer_id,
        product_id,
        cast('affinity' as {{ type_string() }}) as source,
        2 as source_priority,
        {{ p13n_stable_score('score') }} as score,
        {{ p13n_stable_score('tie_breaker') }} as tie_breaker
    from affinity_top
    union all
    select
        customer_id,
        product_id,
        cast('popular_in_category' as {{ type_string() }}) as source,
        3 as source_priority,
        {{ p13n_stable_score('score') }} as score,
        {{ p13n_stable_score('tie_breaker') }} as tie_breaker
    from popular_not_found

),

ranked as (

    select
        customer_id,
        product_id,
        source,
        score,
        row_number() over (
            partition by customer_id
            order by source_priority, score desc, tie_breaker desc, {{ bytewise('product_id') }}
        ) as recommendation_rank
    from candidates

),

final as (

    select
        ranked.customer_id,
        cast(ranked.recommendation_rank as {{ dbt.type_int() }}) as rank,
        ranked.product_id,
        cast(products.product_name as {{ type_string() }}) as product_name,
        cast(coalesce(products.category, 'unknown') as {{ type_string() }}) as category,
        ranked.source,
        ranked.score
    from ranked
    left join products
        on ranked.product_id = products.product_id
    where ranked.recommendation_rank <= {{ top_k }}

)

select * from final
