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

    select distinct {{ raw_text('customer_id') }} as customer_id
    from raw_customers
    where cast(is_test as boolean)

),

typed as (

    select
        {{ typed_raw_event_columns('source') }}
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

checked as (

    {{ checked_raw_events('in_scope') }}

),

flagged as (

    select
        *,
        {{ event_is_duplicate() }} as is_duplicate
    from checked

),
{% else %}
-- a full build ranks only the copies of the event ids sent more than once (decision D-038): a window over every
-- event sorted and spilled all of them, wide, and cost most of the model's time. Raw is named directly below, not
-- through `source`: DuckDB writes a CTE read twice to disk, and these reads are narrow or few.
repeated_event_ids as (

    select cast(raw_events.event_id as {{ type_string() }}) as event_id
    from {{ source('shop', 'events') }} as raw_events
    where raw_events.event_id is not null
    group by 1
    having count(*) > 1

),

typed_singles as (

    select typed.*
    from typed
    left join repeated_event_ids
        on typed.event_id = repeated_event_ids.event_id
    where repeated_event_ids.event_id is null

),

checked_singles as (

    {{ checked_raw_events('typed_singles') }}

),

typed_copies as (

    select
        {{ typed_raw_event_columns('raw_copies') }}
    from {{ source('shop', 'events') }} as raw_copies
    inner join repeated_event_ids
        on cast(raw_copies.event_id as {{ type_string() }}) = repeated_event_ids.event_id

),

checked_copies as (

    {{ checked_raw_events('typed_copies') }}

),

-- a single copy is never a duplicate
flagged as (

    select
        *,
        false as is_duplicate
    from checked_singles

    union all

    select
        *,
        {{ event_is_duplicate() }} as is_duplicate
    from checked_copies

),
{% endif %}

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
