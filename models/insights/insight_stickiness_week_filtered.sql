-- host of stickiness_insight's unit tests: weeks with two or more app product views
{{ config(materialized='view', schema='insights') }}

select * from ({{ stickiness_insight(
    interval='week', date_from='2024-01-01', date_to='2024-01-21',
    event='product_view', filters={'device': 'app'}, min_events_per_interval=2
) }}) as insight
