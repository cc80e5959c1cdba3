{#- Incremental event processing (docs: incremental_events, decision D-029).

    Event models are partitioned by `event_partition_date`, the event's day in the reporting time zone (a fixed
    day, 1900-01-01, for rows without a usable timestamp, which are quarantined). A run rebuilds whole days:
    DuckDB and PostgreSQL delete and re-insert the days (delete+insert on the day), Spark overwrites their
    partitions (insert_overwrite on Parquet). A day is rebuilt when
      1. a raw event of that day was loaded after the model's watermark (the latest `_loaded_at` it holds):
         late-arriving events rebuild the day they occurred on, however old;
      2. it holds an earlier copy of an event id that arrived again (the duplicate rule looks at every copy);
      3. it holds events of a customer newly flagged `is_test` (their events become quarantined);
      4. it is one of the last var('event_lookback_days') days with trusted events (a safety net for raw
         tables whose `_loaded_at` the loader does not stamp).
    Loads must carry increasing `_loaded_at` stamps (the loader stamps each load to the microsecond); a load
    stamped no later than one already built is not seen, except on its lookback days.
    Rows deleted from raw are not seen by an incremental run (forget_customer deletes them from the built tables
    itself); anything else that rewrites history needs `dbt build --full-refresh`. -#}

{% macro event_partition_date(occurred_at_utc) -%}
    coalesce(cast({{ to_reporting_tz(occurred_at_utc) }} as date), cast('1900-01-01' as date))
{%- endmacro %}

{#- The config of a model incremental by event day, per engine. -#}
{% macro event_days_incremental_config() %}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite',
                   'partition_by': ['event_partition_date'], 'on_schema_change': 'fail'}) }}
    {%- else -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert',
                   'unique_key': 'event_partition_date', 'on_schema_change': 'fail'}) }}
    {%- endif -%}
{% endmacro %}

{#- CTEs ending in `event_days_to_rebuild (event_partition_date)`: the days an incremental run of `target_relation`
    (a model holding `_loaded_at` and `event_partition_date`) must rebuild. Splice into a model's with-list. A model
    that already types the raw events (event_id, customer_id, occurred_at_utc, _loaded_at, event_partition_date)
    passes that CTE's name as `typed_events`, so raw is read once. -#}
{% macro event_days_to_rebuild_ctes(target_relation, typed_events=none) -%}
rebuild_watermark as (

    select coalesce(max(_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) as loaded_at
    from {{ target_relation }}

),

rebuild_raw_events as (

    {% if typed_events -%}
    select
        event_id,
        customer_id,
        occurred_at_utc,
        _loaded_at,
        event_partition_date
    from {{ typed_events }}
    {%- else -%}
    select
        cast(event_id as {{ type_string() }}) as event_id,
        cast(customer_id as {{ type_string() }}) as customer_id,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at_utc,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,
        {{ event_partition_date('cast(occurred_at as ' ~ dbt.type_timestamp() ~ ')') }} as event_partition_date
    from {{ source('shop', 'events') }}
    {%- endif %}

),

rebuild_new_events as (

    select rebuild_raw_events.*
    from rebuild_raw_events
    cross join rebuild_watermark
    where rebuild_raw_events._loaded_at > rebuild_watermark.loaded_at

),

rebuild_flagged_customers as (

    select distinct cast(raw_customers.customer_id as {{ type_string() }}) as customer_id
    from {{ source('shop', 'customers') }} as raw_customers
    cross join rebuild_watermark
    where cast(raw_customers.is_test as boolean)
        and cast(raw_customers._loaded_at as {{ dbt.type_timestamp() }}) > rebuild_watermark.loaded_at

),

rebuild_latest_day as (

    select max(event_partition_date) as latest_date
    from rebuild_raw_events
    where occurred_at_utc <= _loaded_at
        and occurred_at_utc >= cast('{{ var("min_valid_timestamp") }}' as {{ dbt.type_timestamp() }})

),

-- one select, no union: Spark 4 in local mode fails to deserialize a union inside an IN subquery
event_days_to_rebuild as (

    select distinct rebuild_raw_events.event_partition_date
    from rebuild_raw_events
    cross join rebuild_watermark
    cross join rebuild_latest_day
    where rebuild_raw_events._loaded_at > rebuild_watermark.loaded_at
        or rebuild_raw_events.event_id in (select event_id from rebuild_new_events)
        or rebuild_raw_events.customer_id in (select customer_id from rebuild_flagged_customers)
        or {{ dbt.datediff('rebuild_raw_events.event_partition_date', 'rebuild_latest_day.latest_date', 'day') }}
        between 0 and {{ var('event_lookback_days') | int }} - 1

)
{%- endmacro %}
