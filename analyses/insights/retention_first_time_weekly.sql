-- Of the customers whose first activity (registering counts) fell in each of the last 22 weeks, how many were
-- active again 1, 2, ... weeks later? first_time cohorts on any activity: the signup cohorts of
-- fct_cohort_retention, as a PostHog-style insight.
select *
from ({{ retention_warehouse.retention_insight(
    period='week', total_intervals=22, date_to='2024-05-29', retention_type='first_time'
) }}) as insight
order by cohort_start, period_number
