-- host of retention_insight's unit tests: first-order month cohorts back with any activity, by acquisition channel
{{ config(materialized='view', schema='insights') }}

select * from ({{ retention_insight(
    period='month', total_intervals=3, date_to='2024-03-31', retention_type='first_time',
    target_event='order', breakdown='acquisition_channel'
) }}) as insight
