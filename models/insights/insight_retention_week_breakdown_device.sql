-- host of retention_insight's unit tests: weekly product-view retention by the events' device property
{{ config(materialized='view', schema='insights') }}

select * from ({{ retention_insight(
    period='week', total_intervals=2, date_to='2024-01-14',
    target_event='product_view', returning_event='product_view', breakdown='device'
) }}) as insight
