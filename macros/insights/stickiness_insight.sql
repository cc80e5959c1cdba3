{#- PostHog-style stickiness insight (docs: stickiness_insight in models/docs/insights.md). Call it as
    `select * from ({{ retention_warehouse.stickiness_insight(...) }}) as insight`. One row per k = 1 .. the number
    of buckets in the range: `customers` active in exactly k buckets (k or more when cumulative).

    interval                 'day', 'week' or 'month'
    interval_count           buckets of n intervals, counted back from the interval of date_to (1 = calendar periods)
    date_from, date_to       'YYYY-MM-DD', the days read (both included)
    event                    none (any activity), 'order' (a valid order) or an event type
    filters                  {property: value} equalities on the events' JSON properties
    min_events_per_interval  events needed in a bucket for it to count (active days for any activity)
    cumulative               customers active in k buckets or more
    week_start, timezone     override var('week_start') and var('reporting_timezone') -#}
{% macro stickiness_insight(
    interval='day',
    interval_count=1,
    date_from=none,
    date_to=none,
    event=none,
    filters=none,
    min_events_per_interval=1,
    cumulative=false,
    week_start=none,
    timezone=none
) -%}
{%- set rw = retention_warehouse -%}
{%- set name = 'stickiness_insight' -%}
{%- set grain = rw.insight_check_choice(name, 'interval', interval, ['day', 'week', 'month']) -%}
{%- set per_bucket = rw.insight_check_positive_integer(name, 'interval_count', interval_count) -%}
{%- if date_from is none or date_to is none -%}
{{ rw.insight_fail(name, "date_from and date_to are required ('YYYY-MM-DD')") }}
{%- endif -%}
{%- set first_date = rw.insight_check_date(name, 'date_from', date_from) -%}
{%- set last_date = rw.insight_check_date(name, 'date_to', date_to) -%}
{%- if first_date > last_date -%}
{{ rw.insight_fail(name, "date_from '" ~ date_from ~ "' is after date_to '" ~ date_to ~ "'") }}
{%- endif -%}
{%- set active_event = rw.insight_check_event(name, 'event', event) -%}
{%- set event_filters = rw.insight_check_filters(name, 'filters', filters, active_event) -%}
{%- set min_events = rw.insight_check_positive_integer(name, 'min_events_per_interval', min_events_per_interval) -%}
{%- set is_cumulative = rw.insight_check_boolean(name, 'cumulative', cumulative) -%}
{%- if week_start is not none -%}
{%- do rw.insight_check_choice(name, 'week_start', week_start, ['monday', 'sunday']) -%}
{%- endif -%}
{%- set ws = rw.insight_week_start(week_start) -%}
{%- set tz = rw.insight_timezone(rw.insight_check_timezone(name, 'timezone', timezone)) -%}
{%- set rezoned = tz != rw.insight_setting('reporting_timezone') -%}
{%- set date_from_sql = "cast('" ~ first_date.isoformat() ~ "' as date)" -%}
{%- set date_to_sql = "cast('" ~ last_date.isoformat() ~ "' as date)" -%}
{#- the range has at most one interval per day: an upper bound of the buckets for the number spine -#}
{%- set most_buckets = (((last_date - first_date).days + 1) + per_bucket - 1) // per_bucket -%}
with

{{ rw.insight_import_ctes(rw.insight_needed_refs([active_event], none, tz)) | trim }}

{% if rezoned and active_event is none -%}
{{ rw.insight_rezoned_activity_ctes(tz) | trim }}

{% endif -%}
{{ rw.insight_data_days_ctes(tz) | trim }}

-- the days read (date_from .. date_to, none after as_of_date)
range_bounds as (

    select
        {{ date_from_sql }} as date_from,
        least({{ date_to_sql }}, data_through) as last_day,
        {{ rw.insight_period_start(grain, date_from_sql, ws) }} as first_period_start,
        {{ rw.insight_period_start(grain, date_to_sql, ws) }} as last_period_start
    from data_days

),

-- the buckets: groups of interval_count intervals counted back from the interval of date_to (PostHog), so only
-- the earliest bucket can be short
bounds as (

    select
        date_from,
        last_day,
        last_period_start,
        {{ adapter.dispatch('int_div', 'retention_warehouse')(
            rw.period_number(grain, 'first_period_start', 'last_period_start') ~ ' + ' ~ per_bucket, per_bucket) }}
            as bucket_count
    from range_bounds

),

{{ rw.insight_integers_ctes('bucket_numbers', 1, most_buckets) | trim }}

activity_rows as (

    {{ rw.insight_event_rows(active_event, event_filters, none, tz) | trim }}

),

{{ rw.insight_with_period_start_cte('activity', 'activity_rows', grain, ws) | trim }}

activity_buckets as (

    select
        activity.customer_id,
        {{ adapter.dispatch('int_div', 'retention_warehouse')(
            rw.period_number(grain, 'activity.period_start', 'bounds.last_period_start'), per_bucket) }} as bucket
    from activity
    cross join bounds
    where activity.activity_date >= bounds.date_from
        and activity.activity_date <= bounds.last_day

),

-- a bucket counts when it holds at least min_events_per_interval events (PostHog's stickiness criteria)
customer_buckets as (

    select
        customer_id,
        bucket
    from activity_buckets
    group by customer_id, bucket
    having count(*) >= {{ min_events }}

),

customer_bucket_counts as (

    select
        customer_id,
        count(*) as active_buckets
    from customer_buckets
    group by customer_id

),

histogram as (

    select
        active_buckets,
        count(*) as customers
    from customer_bucket_counts
    group by active_buckets

),

-- k = 1 .. the buckets in the range, 0 where no customer was active in exactly (or at least) k buckets
final as (

    select
        bucket_numbers.n as k,
        cast(coalesce(sum(histogram.customers), 0) as {{ dbt.type_bigint() }}) as customers
    from bucket_numbers
    cross join bounds
    left join histogram
        on bucket_numbers.n {{ '<=' if is_cumulative else '=' }} histogram.active_buckets
    where bucket_numbers.n <= bounds.bucket_count
    group by bucket_numbers.n

)

select * from final
{%- endmacro %}
