-- host of retention_insight's unit tests: cumulative daily retention of first-activity cohorts
{{ config(materialized='view', schema='insights') }}

select * from ({{ retention_insight(
    period='day', total_intervals=4, date_to='2024-01-04', retention_type='first_time', cumulative=true
) }}) as insight
