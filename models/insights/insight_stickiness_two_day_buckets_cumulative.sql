-- host of stickiness_insight's unit tests: buckets of two days, counted back from date_to, cumulative
{{ config(materialized='view', schema='insights') }}

select * from ({{ stickiness_insight(
    interval='day', interval_count=2, date_from='2024-01-03', date_to='2024-01-07', cumulative=true
) }}) as insight
