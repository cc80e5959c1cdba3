-- host of retention_insight's unit tests: first-ever product view, kept only when it was on the app
{{ config(materialized='view', schema='insights') }}

select * from ({{ retention_insight(
    period='week', total_intervals=3, date_to='2024-01-21', retention_type='first_ever',
    target_event='product_view', target_filters={'device': 'app'}, returning_event='order'
) }}) as insight
