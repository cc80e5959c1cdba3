-- Repeat purchase by month: of the customers whose first valid order fell in a month, how many ordered again in
-- each following month?
select *
from ({{ retention_warehouse.retention_insight(
    period='month', total_intervals=5, date_to='2024-05-31', retention_type='first_time',
    target_event='order', returning_event='order'
) }}) as insight
order by cohort_start, period_number
