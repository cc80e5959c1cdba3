-- host of retention_insight's unit tests: Sunday weeks in New York time (arguments over the vars)
{{ config(materialized='view', schema='insights') }}

select * from ({{ retention_insight(
    period='week', total_intervals=2, date_to='2024-01-13', week_start='sunday', timezone='America/New_York'
) }}) as insight
