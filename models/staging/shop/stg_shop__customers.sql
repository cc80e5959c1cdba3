-- a table: the inferred customers are found once per build, not once per reader and test
{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_shop__customers') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

-- qualifying events per day and reported identity (compact and incremental; the identity map stitches them)
event_identity_days as (

    select * from {{ ref('stg_shop__event_identity_days') }}

),

identity_map as (

    select * from {{ ref('stg_shop__identity_map') }}

),

registered as (

    select
        customer_id,
        {{ to_reporting_tz('signup_at_utc') }} as signup_at,
        email_hash,
        country_code,
        acquisition_channel,
        false as is_inferred,
        updated_at_utc,
        _loaded_at
    from base
    where quarantine_reason is null and not is_duplicate

),

-- a customer id found in trusted orders or qualifying events but absent from customers is kept, with
-- signup at its first seen activity, and flagged as inferred (metrics.md, "Activity")
seen as (

    select
        customer_id,
        ordered_at as seen_at,
        _loaded_at
    from orders
    union all
    select
        {{ stitched_customer_id('event_identity_days') }} as customer_id,
        event_identity_days.first_occurred_at as seen_at,
        event_identity_days._loaded_at
    from event_identity_days
    left join identity_map
        on event_identity_days.anonymous_id = identity_map.anonymous_id
    where {{ stitched_customer_id('event_identity_days') }} is not null

),

inferred as (

    select
        seen.customer_id,
        min(seen.seen_at) as signup_at,
        cast(null as {{ type_string() }}) as email_hash,
        cast(null as {{ type_string() }}) as country_code,
        cast(null as {{ type_string() }}) as acquisition_channel,
        true as is_inferred,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at_utc,
        max(seen._loaded_at) as _loaded_at
    from seen
    left join registered
        on seen.customer_id = registered.customer_id
    where registered.customer_id is null
    group by 1

),

unioned as (

    select * from registered
    union all
    select * from inferred

),

final as (

    select
        customer_id,
        signup_at,
        cast(signup_at as date) as signup_date,
        email_hash,
        country_code,
        acquisition_channel,
        is_inferred,
        updated_at_utc,
        _loaded_at
    from unioned

)

select * from final
