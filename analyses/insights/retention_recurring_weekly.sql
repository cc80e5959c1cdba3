-- Week by week, of the customers active in a week (any activity, registering counts), how many were active again
-- 1..7 weeks later? Recurring cohorts: a customer is in the cohort of every week they were active.
select *
from ({{ retention_warehouse.retention_insight(period='week', total_intervals=8, date_to='2024-05-26') }}) as insight
order by cohort_start, period_number
