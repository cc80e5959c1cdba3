-- Which acquisition channel brings customers who stay? First-order month cohorts back with any activity, by
-- acquisition channel (a customer attribute).
select *
from ({{ retention_warehouse.retention_insight(
    period='month', total_intervals=5, date_to='2024-05-31', retention_type='first_time',
    target_event='order', breakdown='acquisition_channel'
) }}) as insight
order by breakdown_value, cohort_start, period_number
