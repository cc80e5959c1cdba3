-- host of retention_insight's unit tests: a return needs two product views in the day
{{ config(materialized='view', schema='insights') }}

select * from ({{ retention_insight(
    period='day', total_intervals=3, date_to='2024-01-03',
    target_event='product_view', returning_event='product_view', minimum_occurrences=2
) }}) as insight
