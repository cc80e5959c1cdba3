-- A fixed range: the monthly cohorts from January to March 2024 only (date_from picks the first cohort;
-- total_intervals is how many months each cohort is followed).
select *
from ({{ retention_warehouse.retention_insight(
    period='month', total_intervals=5, date_from='2024-01-01', date_to='2024-03-31', retention_type='first_time'
) }}) as insight
order by cohort_start, period_number
