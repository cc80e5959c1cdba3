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
    The models that read base_shop__events first empty every day they rebuild (clear_event_days_to_rebuild), so a
    day that comes out with no row loses its old rows as it would in a full refresh.
    Loads must carry increasing `_loaded_at` stamps (the loader stamps each load to the microsecond); a load
    stamped no later than one already built is not seen, except on its lookback days.
    Rows deleted from raw are not seen by an incremental run (forget_customer deletes them from the built tables
    itself); anything else that rewrites history needs `dbt build --full-refresh`. -#}

{% macro event_partition_date(occurred_at_utc) -%}
    coalesce(cast({{ to_reporting_tz(occurred_at_utc) }} as date), cast('1900-01-01' as date))
{%- endmacro %}

{#- The config of a model incremental by event day, per engine; its pre-hook empties the days the run rebuilds
    (clear_event_days_to_rebuild, below). -#}
{% macro event_days_incremental_config() %}
    {%- set pre_hook = ["{{ clear_event_days_to_rebuild() }}"] -%}
    {#- the daily job's data tests read only the rebuilt days (var test_scope_since; macros/tests/test_scope.sql) -#}
    {%- set meta = {'test_scope_column': 'event_partition_date'} -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite',
                   'partition_by': ['event_partition_date'], 'on_schema_change': 'fail', 'pre_hook': pre_hook,
                   'meta': meta}) }}
    {%- else -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert',
                   'unique_key': 'event_partition_date', 'on_schema_change': 'fail', 'pre_hook': pre_hook,
                   'meta': meta}) }}
    {%- endif -%}
{% endmacro %}

{#- A day rebuilt by a model that reads base_shop__events (stg_shop__event_identity_days, stg_shop__event_hours,
    stg_shop__event_identity_pairs) can come out with no row at all: every pair of the day belonged to a customer
    a later batch flagged is_test, or an event re-sent with another day or identity took the day's last row along.
    delete+insert (and Spark's dynamic insert_overwrite) replace only the days the new rows hold, so such a day kept
    its old rows, which a full refresh drops. This pre-hook first empties every day the run rebuilds (DuckDB and
    PostgreSQL delete them in the model's transaction; Spark drops their partitions). The days come from the
    model's own rule (event_days_to_rebuild_ctes on base_shop__events); the model then evaluates the rule again on
    the emptied table, where the watermark can only be lower and the history (base_shop__events) is unchanged, so
    it rebuilds at least these days: none stays empty by mistake, and a run that fails after the hook is mended by
    the next. Not for base_shop__events itself: it reads its history from its own rows, and it keeps every raw row
    (quarantined or not), so none of its days empties. -#}
{% macro clear_event_days_to_rebuild() %}
    {%- set reads_base_events = ('model.' ~ model.package_name ~ '.base_shop__events') in model.depends_on.nodes -%}
    {%- if execute and is_incremental() and reads_base_events -%}
        {%- set days_sql -%}
            with
            {{ event_days_to_rebuild_ctes(this, events=ref('base_shop__events')) }}
            select event_partition_date from event_days_to_rebuild
        {%- endset -%}
        {{ adapter.dispatch('clear_event_days', 'retention_warehouse')(days_sql) }}
    {%- endif -%}
{% endmacro %}

{% macro default__clear_event_days(days_sql) -%}
    delete from {{ this }}
    where event_partition_date in (
        select days.event_partition_date
        from ({{ days_sql }}) as days
    )
{%- endmacro %}

{% macro spark__clear_event_days(days_sql) -%}
    {%- set days = run_query(days_sql).columns[0].values() -%}
    {%- if days | length > 0 -%}
    alter table {{ this }} drop if exists
        {%- for day in days %}
        partition (event_partition_date = '{{ day }}'){{ ',' if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{#- CTEs ending in `event_days_to_rebuild (event_partition_date)`: the days an incremental run of
    `target_relation` (a model holding `_loaded_at` and `event_partition_date`) must rebuild. Splice into a
    model's with-list.

    `events` is where the model reads its events: none for the raw source (base_shop__events), or a relation that
    holds one typed row per raw event (event_id, customer_id, occurred_at_utc, _loaded_at, event_partition_date),
    such as ref('base_shop__events'). The history the rule looks at (the copies of an event id, a flagged
    customer's days, the latest day) is read from the rows already built, not from all of raw: for the raw source
    that is `target_relation` itself plus the rows loaded after its watermark; a relation of typed events is its own
    history. Only the rows loaded after the watermark are typed here, so a daily run compares a day's load with a
    few narrow columns of the built table instead of re-reading and re-typing every raw event (decision D-031).

    No union feeds an IN subquery (Spark 4 in local mode fails to deserialize one): the days of the history and
    the days of the new rows are combined with a full outer join. -#}
{% macro event_days_to_rebuild_ctes(target_relation, events=none) -%}
{%- set history = target_relation if events is none else events -%}
rebuild_watermark as (

    select coalesce(max(_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) as loaded_at
    from {{ target_relation }}

),

rebuild_new_events as (

    select
        typed_events.event_id,
        typed_events.customer_id,
        typed_events.occurred_at_utc,
        typed_events._loaded_at,
        typed_events.event_partition_date
    {% if events is none -%}
    from (
        select
            {{ typed_raw_event_columns('raw_events') }}
        from {{ source('shop', 'events') }} as raw_events
    ) as typed_events
    {%- else -%}
    from {{ events }} as typed_events
    {%- endif %}
    cross join rebuild_watermark
    where typed_events._loaded_at > rebuild_watermark.loaded_at

),

rebuild_flagged_customers as (

    select distinct cast(raw_customers.customer_id as {{ type_string() }}) as customer_id
    from {{ source('shop', 'customers') }} as raw_customers
    cross join rebuild_watermark
    where cast(raw_customers.is_test as boolean)
        and cast(raw_customers._loaded_at as {{ dbt.type_timestamp() }}) > rebuild_watermark.loaded_at

),

-- the latest day with a plausibly timed event, over the history and the new rows
rebuild_latest_day as (

    select max(latest_date) as latest_date
    from (
        select max(event_partition_date) as latest_date
        from {{ history }}
        where occurred_at_utc <= _loaded_at
            and occurred_at_utc >= cast('{{ var("min_valid_timestamp") }}' as {{ dbt.type_timestamp() }})
        union all
        select max(event_partition_date) as latest_date
        from rebuild_new_events
        where occurred_at_utc <= _loaded_at
            and occurred_at_utc >= cast('{{ var("min_valid_timestamp") }}' as {{ dbt.type_timestamp() }})
    ) as latest_dates

),

-- the days of the history that hold another copy of a newly loaded event id, events of a newly flagged test
-- account, or that lie in the lookback
rebuild_history_days as (

    select distinct history.event_partition_date
    from {{ history }} as history
    cross join rebuild_latest_day
    where history.event_id in (select event_id from rebuild_new_events)
        or history.customer_id in (select customer_id from rebuild_flagged_customers)
        or {{ dbt.datediff('history.event_partition_date', 'rebuild_latest_day.latest_date', 'day') }}
        between 0 and {{ var('event_lookback_days') | int }} - 1

),

rebuild_new_days as (

    select distinct event_partition_date
    from rebuild_new_events

),

-- those days and the days of the new rows (a full join, not a union: see above)
event_days_to_rebuild as (

    select distinct
        coalesce(rebuild_history_days.event_partition_date, rebuild_new_days.event_partition_date)
            as event_partition_date
    from rebuild_history_days
    full outer join rebuild_new_days
        on rebuild_history_days.event_partition_date = rebuild_new_days.event_partition_date

)
{%- endmacro %}

{#- CTEs ending in `cte_name`: the trusted first copies (no quarantine reason, not a duplicate) of `events` (a CTE
    over base_shop__events) that meet `condition`, of the days an incremental run rebuilds (every day on a full
    build). The per-day event models read their events through it. -#}
{% macro rebuilt_trusted_event_ctes(events, cte_name, condition) -%}
{% if is_incremental() -%}
{{ event_days_to_rebuild_ctes(this, events=ref('base_shop__events')) }},

{% endif -%}
{{ cte_name }} as (

    select {{ events }}.*
    from {{ events }}
    where {{ events }}.quarantine_reason is null
        and not {{ events }}.is_duplicate
        and {{ condition }}
        {%- if is_incremental() %}
        and {{ events }}.event_partition_date in (select event_days_to_rebuild.event_partition_date from event_days_to_rebuild)
        {%- endif %}

)
{%- endmacro %}

{#- CTEs ending in `counted_events`: the events the per-day count models count (stg_shop__event_identity_days,
    stg_shop__event_hours): trusted first copies of qualifying events (every type except var('system_event_types'))
    that carry a customer id or an anonymous id, of the days an incremental run rebuilds. -#}
{% macro counted_event_ctes(events) -%}
{{ rebuilt_trusted_event_ctes(events, 'counted_events',
    '(' ~ events ~ '.customer_id is not null or ' ~ events ~ '.anonymous_id is not null)\n        and '
    ~ is_qualifying_event(events ~ '.event_type')) }}
{%- endmacro %}
