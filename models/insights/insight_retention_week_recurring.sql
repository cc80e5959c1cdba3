-- host of retention_insight's unit tests: weekly recurring cohorts on any activity (docs: retention_insight)
{{ config(materialized='view', schema='insights') }}

select * from ({{ retention_insight(period='week', total_intervals=3, date_to='2024-01-21') }}) as insight
