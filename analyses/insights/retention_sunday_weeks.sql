-- The weekly retention of first activity with weeks that start on Sunday, whatever var('week_start') says.
select *
from ({{ retention_warehouse.retention_insight(
    period='week', total_intervals=8, date_to='2024-05-25', retention_type='first_time', week_start='sunday'
) }}) as insight
order by cohort_start, period_number
