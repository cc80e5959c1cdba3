-- Habit, not a visit: a week counts as a return only with at least 3 active days in it (minimum_occurrences
-- never applies to the week the cohort starts in).
select *
from ({{ retention_warehouse.retention_insight(
    period='week', total_intervals=8, date_to='2024-05-26', retention_type='first_time', minimum_occurrences=3
) }}) as insight
order by cohort_start, period_number
