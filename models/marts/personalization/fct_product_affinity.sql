-- product affinity (docs: product_affinity): co-purchase pairs of products and of categories, as directional
-- association rules A -> B, in two scopes. 'order': transactions are valid orders, a pair is two items of one
-- order. 'window': transactions are purchasing customers, a pair is two items the customer bought on days at most
-- affinity_window_days (30) apart (the same order and the same day included). support = pair transactions /
-- transactions; confidence = pair transactions / transactions with A; lift = confidence / (transactions with B /
-- transactions). Pairs below affinity_min_pair_count (3) transactions or affinity_min_support (0) are left out;
-- every kept pair has both directions. Categories: known categories only.
{%- set window_days = var('affinity_window_days', 30) %}
{%- set min_pair_count = var('affinity_min_pair_count', 3) %}
{%- set min_support = var('affinity_min_support', 0) %}

with

order_lines as (

    select * from {{ ref('int_p13n_order_lines') }}

),

-- the items of each order, at both levels: products, and known categories
order_items as (

    select distinct
        cast('product' as {{ type_string() }}) as affinity_level,
        order_id,
        customer_id,
        order_date,
        product_id as item_id,
        category as item_category
    from order_lines
    union all
    select distinct
        cast('category' as {{ type_string() }}) as affinity_level,
        order_id,
        customer_id,
        order_date,
        category as item_id,
        category as item_category
    from order_lines
    where category <> 'unknown'

),

-- scope 'order': transactions are orders
order_transactions as (

    select
        affinity_level,
        count(distinct order_id) as transactions
    from order_items
    group by 1

),

order_item_counts as (

    select
        affinity_level,
        item_id,
        count(distinct order_id) as item_transactions
    from order_items
    group by 1, 2

),

order_pairs as (

    select
        antecedent.affinity_level,
        antecedent.item_id as antecedent_id,
        consequent.item_id as consequent_id,
        count(distinct antecedent.order_id) as pair_transactions
    from order_items as antecedent
    inner join order_items as consequent
        on antecedent.affinity_level = consequent.affinity_level
            and antecedent.order_id = consequent.order_id
            and antecedent.item_id <> consequent.item_id
    group by 1, 2, 3

),

-- scope 'window': transactions are customers; a pair is bought on days at most window_days apart
customer_item_days as (

    select distinct
        affinity_level,
        customer_id,
        item_id,
        order_date
    from order_items

),

window_transactions as (

    select
        affinity_level,
        count(distinct customer_id) as transactions
    from customer_item_days
    group by 1

),

window_item_counts as (

    select
        affinity_level,
        item_id,
        count(distinct customer_id) as item_transactions
    from customer_item_days
    group by 1, 2

),

window_pairs as (

    select
        antecedent.affinity_level,
        antecedent.item_id as antecedent_id,
        consequent.item_id as consequent_id,
        count(distinct antecedent.customer_id) as pair_transactions
    from customer_item_days as antecedent
    inner join customer_item_days as consequent
        on antecedent.affinity_level = consequent.affinity_level
            and antecedent.customer_id = consequent.customer_id
            and antecedent.item_id <> consequent.item_id
            and consequent.order_date >= {{ dbt.dateadd('day', -1 * window_days, 'antecedent.order_date') }}
            and consequent.order_date <= {{ dbt.dateadd('day', window_days, 'antecedent.order_date') }}
    group by 1, 2, 3

),

pairs as (

    select
        order_pairs.affinity_level,
        cast('order' as {{ type_string() }}) as affinity_scope,
        cast(null as {{ dbt.type_int() }}) as window_days,
        order_pairs.antecedent_id,
        order_pairs.consequent_id,
        order_transactions.transactions,
        antecedents.item_transactions as antecedent_transactions,
        consequents.item_transactions as consequent_transactions,
        order_pairs.pair_transactions
    from order_pairs
    inner join order_transactions
        on order_pairs.affinity_level = order_transactions.affinity_level
    inner join order_item_counts as antecedents
        on order_pairs.affinity_level = antecedents.affinity_level
            and order_pairs.antecedent_id = antecedents.item_id
    inner join order_item_counts as consequents
        on order_pairs.affinity_level = consequents.affinity_level
            and order_pairs.consequent_id = consequents.item_id
    union all
    select
        window_pairs.affinity_level,
        cast('window' as {{ type_string() }}) as affinity_scope,
        cast({{ window_days }} as {{ dbt.type_int() }}) as window_days,
        window_pairs.antecedent_id,
        window_pairs.consequent_id,
        window_transactions.transactions,
        antecedents.item_transactions as antecedent_transactions,
        consequents.item_transactions as consequent_transactions,
        window_pairs.pair_transactions
    from window_pairs
    inner join window_transactions
        on window_pairs.affinity_level = window_transactions.affinity_level
    inner join window_item_counts as antecedents
        on window_pairs.affinity_level = antecedents.affinity_level
            and window_pairs.antecedent_id = antecedents.item_id
    inner join window_item_counts as consequents
        on window_pairs.affinity_level = consequents.affinity_level
            and window_pairs.consequent_id = consequents.item_id

),

item_categories as (

    select distinct
        affinity_level,
        item_id,
        item_category
    from order_items

),

final as (

    select
        pairs.affinity_level,
        pairs.affinity_scope,
        pairs.window_days,
        pairs.antecedent_id,
        cast(antecedent_categories.item_category as {{ type_string() }}) as antecedent_category,
        pairs.consequent_id,
        cast(consequent_categories.item_category as {{ type_string() }}) as consequent_category,
        cast(pairs.transactions as {{ dbt.type_int() }}) as transactions,
        cast(pairs.antecedent_transactions as {{ dbt.type_int() }}) as antecedent_transactions,
        cast(pairs.consequent_transactions as {{ dbt.type_int() }}) as consequent_transactions,
        cast(pairs.pair_transactions as {{ dbt.type_int() }}) as pair_transactions,
        cast(pairs.pair_transactions as {{ type_rate() }}) / pairs.transactions as support,
        cast(pairs.pair_transactions as {{ type_rate() }}) / pairs.antecedent_transactions as confidence,
        cast(pairs.pair_transactions as {{ type_rate() }}) * pairs.transactions
        / (cast(pairs.antecedent_transactions as {{ type_rate() }}) * pairs.consequent_transactions) as lift
    from pairs
    inner join item_categories as antecedent_categories
        on pairs.affinity_level = antecedent_categories.affinity_level
            and pairs.antecedent_id = antecedent_categories.item_id
    inner join item_categories as consequent_categories
        on pairs.affinity_level = consequent_categories.affinity_level
            and pairs.consequent_id = consequent_categories.item_id
    where pairs.pair_transactions >= {{ min_pair_count }}
        and cast(pairs.pair_transactions as {{ type_rate() }}) / pairs.transactions >= {{ min_support }}

)

select * from final
