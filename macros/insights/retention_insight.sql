{#- PostHog-style retention insight (docs: retention_insight in models/docs/insights.md). Call it in a model or an
    analysis as `select * from ({{ retention_warehouse.retention_insight(...) }}) as insight`. One row per
    (breakdown_value,) cohort_start and period_number: cohort_size, retained_customers, retention_rate, is_complete.

    period            'day', 'week' or 'month'
    total_intervals   periods shown per cohort (0 .. total_intervals - 1) and, without date_from, cohorts shown
    date_to           'YYYY-MM-DD', last day of the range (data after it is not read)
    date_from         'YYYY-MM-DD' or none: first cohort = its period; none = total_intervals cohorts up to date_to
    retention_type    'recurring' (a cohort per period with a target event), 'first_time' (the period of the first
                      target event matching target_filters), 'first_ever' (the period of the first target event of
                      any properties, kept only if that event matches target_filters)
    target_event, returning_event      none (any activity), 'order' (a valid order) or an event type
    target_filters, returning_filters  {property: value} equalities on the events' JSON properties
    minimum_occurrences  returning events needed in a period for it to count as a return (never the start)
    cumulative        retained in period n = came back in period n or any later shown period
    breakdown, breakdown_type           an event property or a customer attribute; a return counts only with the
                                         cohort's value
    week_start, timezone                override var('week_start') and var('reporting_timezone') -#}
{% macro retention_insight(
    period='day',
    total_intervals=7,
    date_to=none,
    date_from=none,
    retention_type='recurring',
    target_event=none,
    returning_event=none,
    target_filters=none,
    returning_filters=none,
    minimum_occurrences=1,
    cumulative=false,
    breakdown=none,
    breakdown_type=none,
    week_start=none,
    timezone=none
) -%}
{%- set rw = retention_warehouse -%}
{%- set name = 'retention_insight' -%}
{%- set grain = rw.insight_check_choice(name, 'period', period, ['day', 'week', 'month']) -%}
{%- set intervals = rw.insight_check_positive_integer(name, 'total_intervals', total_intervals) -%}
{%- if date_to is none -%}{{ rw.insight_fail(name, "date_to is required ('YYYY-MM-DD')") }}{%- endif -%}
{%- set last_date = rw.insight_check_date(name, 'date_to', date_to) -%}
{%- if date_from is not none -%}
{%- set first_date = rw.insight_check_date(name, 'date_from', date_from) -%}
{%- if first_date > last_date -%}
{{ rw.insight_fail(name, "date_from '" ~ date_from ~ "' is after date_to '" ~ date_to ~ "'") }}
{%- endif -%}
{%- endif -%}
{%- set kind = rw.insight_check_choice(name, 'retention_type', retention_type,
    ['recurring', 'first_time', 'first_ever']) -%}
{%- set start_event = rw.insight_check_event(name, 'target_event', target_event) -%}
{%- set return_event = rw.insight_check_event(name, 'returning_event', returning_event) -%}
{%- set start_filters = rw.insight_check_filters(name, 'target_filters', target_filters, start_event) -%}
{%- set return_filters = rw.insight_check_filters(name, 'returning_filters', returning_filters, return_event) -%}
{%- set min_returns = rw.insight_check_positive_integer(name, 'minimum_occurrences', minimum_occurrences) -%}
{%- set is_cumulative = rw.insight_check_boolean(name, 'cumulative', cumulative) -%}
{%- set split = rw.insight_resolve_breakdown(name, breakdown, breakdown_type, [start_event, return_event]) -%}
{%- if week_start is not none -%}
{%- do rw.insight_check_choice(name, 'week_start', week_start, ['monday', 'sunday']) -%}
{%- endif -%}
{%- set ws = rw.insight_week_start(week_start) -%}
{%- set tz = rw.insight_timezone(rw.insight_check_timezone(name, 'timezone', timezone)) -%}
{%- set rezoned = tz != rw.insight_setting('reporting_timezone') -%}
{%- set date_to_sql = "cast('" ~ last_date.isoformat() ~ "' as date)" -%}
{#- the first cohort is the period of date_from, else total_intervals - 1 periods before the period of date_to -#}
{%- set first_period_sql = rw.insight_period_start(grain, "cast('" ~ (first_date if date_from is not none
    else last_date).isoformat() ~ "' as date)", ws) -%}
with

{{ rw.insight_import_ctes(rw.insight_needed_refs([start_event, return_event], split, tz)) | trim }}

{% if rezoned and (start_event is none or return_event is none) -%}
{{ rw.insight_rezoned_activity_ctes(tz) | trim }}

{% endif -%}
{{ rw.insight_data_days_ctes(tz) | trim }}

-- the range (metrics.md, "Cohort retention", and PostHog's date range): cohorts from first_cohort_start to the
-- period of date_to, data up to last_day
range_bounds as (

    select
        {{ first_period_sql }} as first_period_start,
        least({{ date_to_sql }}, data_through) as last_day,
        cast({{ dbt.dateadd('day', 1, date_to_sql) }} as date) as date_to_end,
        cast({{ dbt.dateadd('day', 1, 'complete_through') }} as date) as as_of_end
    from data_days

),

-- a cell is complete when its period ends before complete_end: the day after date_to or after the last day the
-- data covers whole, whichever is first
bounds as (

    select
        {% if date_from is none -%}
        {{ rw.add_periods(grain, -(intervals - 1), 'first_period_start') }} as first_cohort_start,
        {%- else -%}
        first_period_start as first_cohort_start,
        {%- endif %}
        last_day,
        date_to_end,
        as_of_end,
        least(date_to_end, as_of_end) as complete_end
    from range_bounds

),

{{ rw.insight_integers_ctes('period_numbers', 0, intervals - 1) | trim }}

target_event_rows as (

    {{ rw.insight_event_rows(start_event, start_filters, split, tz, keep_unmatched=(kind == 'first_ever')) | trim }}

),

returning_event_rows as (

    {{ rw.insight_event_rows(return_event, return_filters, split, tz) | trim }}

),

{{ rw.insight_with_period_start_cte('target_events', 'target_event_rows', grain, ws) | trim }}

{{ rw.insight_with_period_start_cte('returning_events', 'returning_event_rows', grain, ws) | trim }}

{% if kind == 'recurring' -%}
-- recurring: a customer joins the cohort of every period in the range with a target event
cohort_members as (

    select distinct
        target_events.customer_id,
        target_events.breakdown_value,
        target_events.period_start as cohort_start
    from target_events
    cross join bounds
    where target_events.activity_date >= bounds.first_cohort_start
        and target_events.activity_date <= bounds.last_day

),
{%- else -%}
{% if kind == 'first_time' -%}
-- first_time: the day of the customer's first target event that matches the filters
first_days as (

    select
        customer_id,
        min(activity_date) as first_day
    from target_events
    group by customer_id

),
{%- else -%}
-- first_ever: the customer's first target event of any properties, kept only if that event matches the filters
-- (PostHog compares the first time of any properties with the first time that matches)
first_events as (

    select
        customer_id,
        min(occurred_at) as first_at,
        min(case when is_match then occurred_at end) as first_match_at
    from target_events
    group by customer_id

),

first_days as (

    select
        customer_id,
        cast(first_at as date) as first_day
    from first_events
    where first_match_at = first_at

),
{%- endif %}

first_periods as (

    select
        customer_id,
        {{ rw.insight_period_start(grain, 'first_day', ws) }} as cohort_start
    from first_days

),

-- the cohort is the first period; the breakdown values are those of the matching target events in it
cohort_members as (

    select distinct
        first_periods.customer_id,
        target_events.breakdown_value,
        first_periods.cohort_start
    from first_periods
    inner join target_events
        on first_periods.customer_id = target_events.customer_id
            and first_periods.cohort_start = target_events.period_start
    cross join bounds
    where target_events.is_match
        and target_events.activity_date <= bounds.last_day
        and first_periods.cohort_start >= bounds.first_cohort_start

),
{%- endif %}

-- a return is a period after the cohort's with at least minimum_occurrences returning events (active days for
-- any activity)
return_periods as (

    select
        returning_events.customer_id,
        returning_events.breakdown_value,
        returning_events.period_start
    from returning_events
    cross join bounds
    where returning_events.activity_date >= bounds.first_cohort_start
        and returning_events.activity_date <= bounds.last_day
    group by returning_events.customer_id, returning_events.breakdown_value, returning_events.period_start
    having count(*) >= {{ min_returns }}

),

later_returns as (

    select
        cohort_members.customer_id,
        cohort_members.breakdown_value,
        cohort_members.cohort_start,
        {{ rw.period_number(grain, 'cohort_members.cohort_start', 'return_periods.period_start') }} as period_number
    from cohort_members
    inner join return_periods
        on cohort_members.customer_id = return_periods.customer_id
            and cohort_members.breakdown_value = return_periods.breakdown_value
            and cohort_members.cohort_start < return_periods.period_start

),

-- the returns in the periods shown (1 .. total_intervals - 1)
returns as (

    select
        customer_id,
        breakdown_value,
        cohort_start,
        period_number
    from later_returns
    where period_number < {{ intervals }}

),

cohort_sizes as (

    select
        breakdown_value,
        cohort_start,
        count(*) as cohort_size
    from cohort_members
    group by breakdown_value, cohort_start

),

cohort_periods as (

    select
        cohort_sizes.breakdown_value,
        cohort_sizes.cohort_start,
        cohort_sizes.cohort_size,
        period_numbers.n as period_number,
        {{ rw.add_periods(grain, 'period_numbers.n', 'cohort_sizes.cohort_start') }} as period_start,
        {{ rw.add_periods(grain, 'period_numbers.n + 1', 'cohort_sizes.cohort_start') }} as next_period_start
    from cohort_sizes
    cross join period_numbers

),

-- every started period of every cohort (0 .. total_intervals - 1, up to last_day), so the matrix has no holes
cells as (

    select
        cohort_periods.breakdown_value,
        cohort_periods.cohort_start,
        cohort_periods.period_number,
        cohort_periods.cohort_size,
        cohort_periods.next_period_start
    from cohort_periods
    cross join bounds
    where cohort_periods.period_start <= bounds.last_day

),

{% if is_cumulative -%}
-- cumulative: a customer is retained in period n when their last return is in n or later, counted once (a
-- histogram of last returns and a sum over it, never a cross join of every return)
last_returns as (

    select
        customer_id,
        breakdown_value,
        cohort_start,
        max(period_number) as last_period_number
    from returns
    group by customer_id, breakdown_value, cohort_start

),

last_return_histogram as (

    select
        breakdown_value,
        cohort_start,
        last_period_number,
        count(*) as customers
    from last_returns
    group by breakdown_value, cohort_start, last_period_number

),

retained_counts as (

    select
        cells.breakdown_value,
        cells.cohort_start,
        cells.period_number,
        sum(last_return_histogram.customers) as retained_customers
    from cells
    inner join last_return_histogram
        on cells.breakdown_value = last_return_histogram.breakdown_value
            and cells.cohort_start = last_return_histogram.cohort_start
            and cells.period_number <= last_return_histogram.last_period_number
    group by cells.breakdown_value, cells.cohort_start, cells.period_number

),

-- the day after the last period shown: a cumulative cell can grow until then (or until date_to)
shown_ends as (

    select distinct
        cohort_start,
        {{ rw.add_periods(grain, intervals, 'cohort_start') }} as shown_end
    from cohort_sizes

),
{%- else -%}
retained_counts as (

    select
        breakdown_value,
        cohort_start,
        period_number,
        count(*) as retained_customers
    from returns
    group by breakdown_value, cohort_start, period_number

),
{%- endif %}

final as (

    select
        {% if split is not none -%}
        cells.breakdown_value,
        {% endif -%}
        cells.cohort_start,
        cells.period_number,
        cast(cells.cohort_size as {{ dbt.type_bigint() }}) as cohort_size,
        cast(case
            when cells.period_number = 0 then cells.cohort_size
            else coalesce(retained_counts.retained_customers, 0)
        end as {{ dbt.type_bigint() }}) as retained_customers,
        cast(case
            when cells.period_number = 0 then cells.cohort_size
            else coalesce(retained_counts.retained_customers, 0)
        end as {{ adapter.dispatch('type_rate', 'retention_warehouse')() }}) / cells.cohort_size as retention_rate,
        -- complete: the cell's period ends by as_of_date and by date_to; a cumulative cell after period 0 also waits
        -- for every later shown period (up to date_to) that could still add a return
        (cells.next_period_start <= bounds.complete_end
        {%- if is_cumulative %}
            and (cells.period_number = 0 or least(shown_ends.shown_end, bounds.date_to_end) <= bounds.as_of_end)
        {%- endif %}) as is_complete
    from cells
    cross join bounds
    {%- if is_cumulative %}
    inner join shown_ends
        on cells.cohort_start = shown_ends.cohort_start
    {%- endif %}
    left join retained_counts
        on cells.breakdown_value = retained_counts.breakdown_value
            and cells.cohort_start = retained_counts.cohort_start
            and cells.period_number = retained_counts.period_number

)

select * from final
{%- endmacro %}
