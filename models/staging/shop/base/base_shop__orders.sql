-- every raw order row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag;
-- ids and labels that look like personal data leave as pseudonyms (macros/privacy/pii_guard.sql)
with

source as (

    select * from {{ source('shop', 'orders') }}

),

raw_customers as (

    select * from {{ source('shop', 'customers') }}

),

fx_rates as (

    select * from {{ source('shop', 'fx_rates') }}

),

pii_salt as (

    select * from {{ source('privacy', 'pii_salt') }}

),

test_customers as (

    select distinct {{ raw_text('customer_id') }} as customer_id
    from raw_customers
    where cast(is_test as boolean)

),

-- a currency is known when the feed has a rate for it (or it is the reporting currency, always at rate 1);
-- the mean rate only sizes the outlier guard, revenue uses the daily rate (int_orders_enriched)
currency_levels as (

    select
        upper(trim(cast(currency as {{ type_string() }}))) as currency_code,
        avg(cast(rate_to_reporting as {{ type_rate() }})) as mean_rate
    from fx_rates
    where rate_to_reporting is not null and rate_to_reporting > 0
    group by 1

),

typed as (

    select
        {{ raw_text('source.order_id') }} as order_id,
        {{ raw_text('source.customer_id') }} as customer_id,
        cast(source.ordered_at as {{ dbt.type_timestamp() }}) as ordered_at_utc,
        upper(trim(coalesce({{ raw_text('source.currency') }}, '{{ var("reporting_currency") }}'))) as currency_code,
        lower(trim(coalesce({{ raw_text('source.status') }}, 'delivered'))) as order_status,
        cast(source.subtotal as {{ type_amount() }}) as subtotal_amount,
        cast(coalesce(source.discount, 0) as {{ type_amount() }}) as discount_amount,
        cast(coalesce(source.shipping, 0) as {{ type_amount() }}) as shipping_amount,
        cast(coalesce(source.tax, 0) as {{ type_amount() }}) as tax_amount,
        cast(source.refunded_amount as {{ type_amount() }}) as refunded_amount_raw,
        cast(source.refunded_at as {{ dbt.type_timestamp() }}) as refunded_at_utc,
        cast(source.cancelled_at as {{ dbt.type_timestamp() }}) as cancelled_at_utc,
        lower(trim({{ raw_text('source.channel') }})) as order_channel,
        {{ raw_text('source.coupon_code') }} as coupon_code,
        cast(source.shipped_at as {{ dbt.type_timestamp() }}) as shipped_at_utc,
        cast(source.delivered_at as {{ dbt.type_timestamp() }}) as delivered_at_utc,
        coalesce(cast(source.is_test as boolean), false) as is_test,
        cast(source.updated_at as {{ dbt.type_timestamp() }}) as updated_at_utc,
        cast(source._loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

checked as (

    select
        typed.*,
        case
            {{ id_problem('typed.order_id', 'missing_order_id') }}
            {{ id_problem('typed.customer_id', 'missing_customer_id') }}
            when test_customers.customer_id is not null then 'test_account'
            when typed.is_test then 'test_order'
            {{ timestamp_problem('typed.ordered_at_utc', 'missing_ordered_at') }}
            when typed.order_status not in (
                    'placed', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded', 'partially_refunded'
                ) then 'unknown_status'
            when typed.currency_code <> '{{ var("reporting_currency") }}' and currency_levels.currency_code is null
                then 'unknown_currency'
            when typed.subtotal_amount is null then 'missing_subtotal'
            when typed.subtotal_amount < 0 or typed.discount_amount < 0 or typed.shipping_amount < 0
                or typed.tax_amount < 0 or coalesce(typed.refunded_amount_raw, 0) < 0 then 'negative_amount'
            when typed.subtotal_amount * coalesce(currency_levels.mean_rate, 1) > {{ var('max_order_amount') }}
                then 'outlier_amount'
        end as quarantine_reason
    from typed
    left join test_customers
        on typed.customer_id = test_customers.customer_id
    left join currency_levels
        on typed.currency_code = currency_levels.currency_code

),

-- what an order says, as one text: two trusted copies of an order id that tie on updated_at and _loaded_at but
-- differ here are conflicting versions, not re-sent copies (an id reused for different orders, e.g. built from
-- customer and day: decision D-039)
keyed as (

    select
        *,
        {{ dbt.concat(content_parts([
            'customer_id', 'ordered_at_utc', 'subtotal_amount', 'currency_code', 'order_status', 'discount_amount',
            'shipping_amount', 'tax_amount', 'refunded_amount_raw', 'refunded_at_utc', 'cancelled_at_utc',
        ])) }} as content_key
    from checked

),

-- the newest copy wins (updated_at, then the latest load); the tie-break runs over the whole content, so the
-- winner never depends on row order
ranked as (

    select
        *,
        row_number() over (
            partition by order_id, quarantine_reason
            order by updated_at_utc desc nulls last, _loaded_at desc, order_status desc, content_key asc
        ) as version_rank,
        rank() over (
            partition by order_id, quarantine_reason
            order by updated_at_utc desc nulls last, _loaded_at desc
        ) as version_group,
        first_value(content_key) over (
            partition by order_id, quarantine_reason
            order by updated_at_utc desc nulls last, _loaded_at desc, order_status desc, content_key asc
        ) as winning_content_key
    from keyed

),

flagged as (

    select
        *,
        (quarantine_reason is null and version_group = 1 and content_key <> winning_content_key)
            as is_conflicting_version
    from ranked

),

{%- set guarded = {
    'order_id': ['order_id', 'id'],
    'customer_id': ['customer_id', 'id'],
    'order_channel': ['order_channel', 'label'],
    'coupon_code': ['coupon_code', 'label'],
} %}

final as (

    select
        {{- guarded_columns(guarded) }}
        ordered_at_utc,
        currency_code,
        order_status,
        subtotal_amount,
        discount_amount,
        shipping_amount,
        tax_amount,
        refunded_amount_raw,
        refunded_at_utc,
        cancelled_at_utc,
        shipped_at_utc,
        delivered_at_utc,
        is_test,
        updated_at_utc,
        _loaded_at,
        case when is_conflicting_version then 'conflicting_version' else quarantine_reason end as quarantine_reason,
        (quarantine_reason is null and version_rank > 1 and not is_conflicting_version) as is_duplicate,
        {{ pii_redacted_list(guarded) }} as pii_redacted
    from flagged

)

select * from final
