{#- The typing and the quarantine rule of raw events (base_shop__events), written once: a full build applies them
    to two disjoint sets of raw rows (decision D-038), and the typing also gives the incremental rule its newly
    loaded rows (macros/incremental/event_days.sql). -#}

{#- The typed columns of a raw event row of `raw` (an alias of source('shop', 'events')). -#}
{% macro typed_raw_event_columns(raw) -%}
        {{ raw_text(raw ~ '.event_id') }} as event_id,
        cast({{ raw }}.occurred_at as {{ dbt.type_timestamp() }}) as occurred_at_utc,
        lower(trim(cast({{ raw }}.event_type as {{ type_string() }}))) as event_type,
        {{ raw_text(raw ~ '.customer_id') }} as customer_id,
        {{ raw_text(raw ~ '.anonymous_id') }} as anonymous_id,
        {{ raw_text(raw ~ '.session_id') }} as session_id,
        {{ raw_text(raw ~ '.product_id') }} as product_id,
        cast({{ raw }}.received_at as {{ dbt.type_timestamp() }}) as received_at_utc,
        cast({{ raw }}.properties as {{ type_string() }}) as properties,
        cast({{ raw }}._loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,
        {{ event_partition_date('cast(' ~ raw ~ '.occurred_at as ' ~ dbt.type_timestamp() ~ ')') }}
            as event_partition_date
{%- endmacro %}

{#- The duplicate flag of an event copy (the first received copy of an event id wins; the tie-break runs over the
    whole event, so the winner never depends on row order), over the rows of one query. -#}
{% macro event_is_duplicate() -%}
    {{ is_duplicate('event_id', 'received_at_utc nulls last, _loaded_at, occurred_at_utc, event_type, customer_id,'
        ~ ' anonymous_id, session_id, product_id, properties') }}
{%- endmacro %}

{#- The body of a CTE: the typed events of `events` with the reason each cannot be trusted (null = trusted);
    `test_customers` (a CTE of the customer ids flagged is_test) is left-joined on the event's customer id. -#}
{% macro checked_raw_events(events) -%}
    select
        {{ events }}.*,
        case
            {{ id_problem(events ~ '.event_id', 'missing_event_id') }}
            when {{ events }}.event_type is null then 'missing_event_type'
            when not coalesce({{ regex_full_match(events ~ '.event_type', var('event_type_pattern')) }}, false)
                then 'invalid_event_type'
            when {{ events }}.customer_id is not null and not {{ is_valid_id(events ~ '.customer_id') }}
                then 'invalid_id'
            when {{ events }}.anonymous_id is not null and not {{ is_valid_id(events ~ '.anonymous_id') }}
                then 'invalid_id'
            when test_customers.customer_id is not null then 'test_account'
            {{ timestamp_problem(events ~ '.occurred_at_utc', 'missing_occurred_at') }}
        end as quarantine_reason
    from {{ events }}
    left join test_customers
        on {{ events }}.customer_id = test_customers.customer_id
{%- endmacro %}
