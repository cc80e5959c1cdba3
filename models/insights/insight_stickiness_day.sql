-- host of stickiness_insight's unit tests: active days of a range that starts mid-history
{{ config(materialized='view', schema='insights') }}

select * from ({{ stickiness_insight(interval='day', date_from='2024-01-03', date_to='2024-01-07') }}) as insight
