-- one row per day from time_spine_start to time_spine_end: the time spine MetricFlow joins to for cumulative
-- metrics, offsets and periods without rows (dbt docs, "MetricFlow time spine")
{%- set spine_start = modules.datetime.date.fromisoformat(var('time_spine_start', '1990-01-01')) %}
{%- set spine_end = modules.datetime.date.fromisoformat(var('time_spine_end', '2040-12-31')) %}
{%- set spine_days = (spine_end - spine_start).days + 1 %}

with

series as (

    {{ dbt.generate_series(spine_days) }}

),

final as (

    select
        cast(
            {{ dbt.dateadd('day', 'generated_number - 1', "cast('" ~ spine_start.isoformat() ~ "' as date)") }}
            as date
        ) as date_day
    from series

)

select * from final
