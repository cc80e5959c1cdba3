-- host of retention_insight's unit tests: first matching app product view, back with an order
{{ config(materialized='view', schema='insights') }}

select * from ({{ retention_insight(
    period='week', total_intervals=3, date_to='2024-01-21', retention_type='first_time',
    target_event='product_view', target_filters={'device': 'app'}, returning_event='order'
) }}) as insight
