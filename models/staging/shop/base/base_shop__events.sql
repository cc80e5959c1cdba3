-- every raw event row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag;
-- incremental by event day (macros/incremental/event_days.sql): a run rebuilds only the days that new,
-- late or re-sent events touch, plus a short lookback
{{ config(**event_days_incremental_config()) }}

with

source as (

    select * from {{ source('shop', 'events') }}

),

raw_customers as (

    select * from {{ source('shop', 'customers') }}

),

test_customers as (

    select distinct cast(customer_id as {{ type_string() }}) as customer_id
    from raw_customers
    where cast(is_test as boolean)

),

typed as (

    select
        cast(source.event_id as {{ type_string() }}) as event_id,
        cast(source.occurred_at as {{ dbt.type_timestamp() }}) as occurred_at_utc,
        lower(trim(cast(source.event_type as {{ type_string() }}))) as event_type,
        cast(source.customer_id as {{ type_string() }}) as customer_id,
        cast(source.anonymous_id as {{ type_string() }}) as anonymous_id,
        cast(source.session_id as {{ type_string() }}) as session_id,
        cast(source.product_id as {{ type_string() }}) as product_id,
        cast(source.received_at as {{ dbt.type_timestamp() }}) as received_at_utc,
        cast(source.properties as {{ type_string() }}) as properties,
        cast(source._loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,
        {{ event_partition_date('cast(source.occurred_at as ' ~ dbt.type_timestamp() ~ ')') }} as event_partition_date
    from source

),

{% if is_incremental() %}
{{ event_days_to_rebuild_ctes(this) }},

-- the raw rows of the days to rebuild, and every other copy of their event ids (the duplicate rule ranks all
-- copies); the ids come from the rows already built and from the new rows, so raw is read once
in_scope as (

    select typed.*
    from typed
    where typed.event_partition_date in (select event_days_to_rebuild.event_partition_date from event_days_to_rebuild)
        or typed.event_id in (
            select built.event_id
            from {{ this }} as built
            where built.event_partition_date in (select event_days_to_rebuild.event_partition_date from event_days_to_rebuild)
        )
        or typed.event_id in (select rebuild_new_events.event_id from rebuild_new_events)

),
{% else %}
in_scope as (

    select * from typed

),
{% endif %}

checked as (

    select
        in_scope.*,
        case
            {{ id_problem('in_scope.event_id', 'missing_event_id') }}
            when in_scope.event_type is null then 'missing_event_type'
            when not coalesce({{ regex_full_match('in_scope.event_type', var('event_type_pattern')) }}, false)
                then 'invalid_event_type'
            when in_scope.customer_id is not null and not {{ is_valid_id('in_scope.customer_id') }} then 'invalid_id'
            when in_scope.anonymous_id is not null and not {{ is_valid_id('in_scope.anonymous_id') }} then 'invalid_id'
            when test_customers.customer_id is not null then 'test_account'
            {{ timestamp_problem('in_scope.occurred_at_utc', 'missing_occurred_at') }}
        end as quarantine_reason
    from in_scope
    left join test_customers
        on in_scope.customer_id = test_customers.customer_id

),

flagged as (

    select
        *,
        {{ is_duplicate('event_id', 'received_at_utc nulls last, _loaded_at, occurred_at_utc, event_type') }} as is_duplicate
    from checked

),

final as (

    select
        event_id,
        occurred_at_utc,
        -- the reporting time zone's time and day, computed once here for every reader
        {{ to_reporting_tz('occurred_at_utc') }} as occurred_at,
        cast({{ to_reporting_tz('occurred_at_utc') }} as date) as event_date,
        event_type,
        customer_id,
        anonymous_id,
        session_id,
        product_id,
        received_at_utc,
        properties,
        -- the device of trusted events ('app' or 'web', lower-cased; 'unknown' when missing), parsed once per
        -- loaded day here rather than on every read (untrusted rows are not parsed: their JSON may be anything)
        case
            when quarantine_reason is null and not is_duplicate
                then coalesce(lower({{ json_get('properties', 'device') }}), 'unknown')
        end as device,
        _loaded_at,
        quarantine_reason,
        is_duplicate,
        event_partition_date
    from flagged
    {% if is_incremental() -%}
    where event_partition_date in (select event_days_to_rebuild.event_partition_date from event_days_to_rebuild)
    {%- endif %}

)

select * from final
