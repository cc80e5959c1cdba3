-- Daily retention of first activity on the calendar of Shanghai (a team there reads days in its own time), while
-- the warehouse reports in var('reporting_timezone').
select *
from ({{ retention_warehouse.retention_insight(
    period='day', total_intervals=8, date_to='2024-05-28', retention_type='first_time', timezone='Asia/Shanghai'
) }}) as insight
order by cohort_start, period_number
