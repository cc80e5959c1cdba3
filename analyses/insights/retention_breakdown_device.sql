-- Do app browsers come back on the app? Weekly product-view retention by the event property device: a return
-- counts only on the same device.
select *
from ({{ retention_warehouse.retention_insight(
    period='week', total_intervals=6, date_to='2024-05-26',
    target_event='product_view', returning_event='product_view', breakdown='device'
) }}) as insight
order by breakdown_value, cohort_start, period_number
