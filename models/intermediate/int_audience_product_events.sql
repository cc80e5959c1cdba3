-- product views and add-to-carts of customers that exist as of as_of_date (after identity stitching), as known
-- at the end of as_of_date (reporting time zone): the audiences' input (metrics.md, "Activation and experiments").
-- known = received before the end of as_of_date, and for a stitched event, its device identified by an event
-- received before then too; an event that occurred inside a window but was received later (late-arriving) is
-- not known to a build at that as_of_date, so re-running an as_of_date after more data arrived gives the audience
-- that was sent. Only the audiences' lookback is kept: browse abandonment reads the last
-- browse_abandonment_window_hours (24) hours before the end of as_of_date, cart abandonment the
-- cart_abandonment_window_hours (24) hours before those; with the defaults, the 48 hours of as_of_date - 1 and
-- as_of_date.
{%- set lookback_hours = [var('browse_abandonment_window_hours', 24), 2 * var('cart_abandonment_window_hours', 24)]
    | max %}
{#- the end of as_of_date (midnight after it, reporting time zone): "known" means received before it -#}
{%- set end_of_as_of_date = 'cast(' ~ dbt.dateadd('day', 1, as_of_date()) ~ ' as ' ~ dbt.type_timestamp() ~ ')' %}

with

events as (

    select * from {{ ref('stg_shop__events') }}

),

identity_pairs as (

    select * from {{ ref('stg_shop__event_identity_pairs') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

-- the lookback's events received by the end of as_of_date; a missing received_at means received when it occurred.
-- The one time-zone conversion macro puts received_at on the same (reporting) clock as occurred_at and as_of_date.
known_events as (

    select
        event_id,
        customer_id,
        reported_customer_id,
        anonymous_id,
        event_type,
        product_id,
        occurred_at,
        coalesce({{ to_reporting_tz('received_at_utc') }}, occurred_at) as received_at
    from events
    where customer_id is not null
        and product_id is not null
        and event_type in ('product_view', 'add_to_cart')
        and event_date <= {{ as_of_date() }}
        and occurred_at
        >= cast({{ dbt.dateadd('hour', 24 - lookback_hours, as_of_date()) }} as {{ dbt.type_timestamp() }})
        and coalesce({{ to_reporting_tz('received_at_utc') }}, occurred_at)
        < {{ end_of_as_of_date }}

),

-- identity stitching as known at the end of as_of_date: a device counts as the customer's once an event received
-- by then carried both (staging stitches with every loaded event, D-004; a later identification must not add a
-- customer to an audience already sent). Read from the per-day pairs, not every event (decision D-035).
known_identities as (

    select distinct
        anonymous_id,
        customer_id
    from identity_pairs
    where first_received_at < {{ end_of_as_of_date }}

),

recent as (

    select
        known_events.event_id,
        known_events.customer_id,
        known_events.event_type,
        known_events.product_id,
        known_events.occurred_at,
        known_events.received_at
    from known_events
    left join known_identities
        on known_events.anonymous_id = known_identities.anonymous_id
            and known_events.customer_id = known_identities.customer_id
    where known_events.reported_customer_id is not null or known_identities.customer_id is not null

),

final as (

    select
        recent.event_id,
        recent.customer_id,
        recent.event_type,
        recent.product_id,
        coalesce(products.category, 'unknown') as product_category,
        products.list_price_amount,
        recent.occurred_at,
        recent.received_at
    from recent
    inner join customers
        on recent.customer_id = customers.customer_id
    left join products
        on recent.product_id = products.product_id

)

select * from final
